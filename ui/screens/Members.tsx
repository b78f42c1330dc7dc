/**
 * A project's people: members with their roles and, for owners and admins, the pending
 * invitations. Owners and admins change roles and remove members (only owners touch an
 * owner; the API refuses what would leave no owner and the screen shows why); members read.
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation, useSearch } from "wouter";
import {
  api,
  canEdit,
  errorMessage,
  unwrap,
  type Invitation,
  type Member,
  type Project,
  type User,
} from "../api/client";
import { keys, queryClient, useInvitations, useMembers } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { RelativeTime } from "../components/RelativeTime";
import { RowsSkeleton } from "../components/RowsSkeleton";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";
import { InviteDialog } from "./InviteDialog";
import { LoadError } from "../components/LoadError";

const ROLES = ["owner", "admin", "member"] as const;

export function Members({ project, user }: { project: Project; user: User }) {
  const editor = canEdit(project);
  const members = useMembers(project.slug);
  const invitations = useInvitations(project.slug, editor);
  const search = useSearch();
  const [, navigate] = useLocation();
  const inviting = new URLSearchParams(search).get("invite") === "1";
  const [removing, setRemoving] = useState<Member | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const toast = useToast();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.members(project.slug) });

  const changeRole = useMutation({
    mutationFn: ({ member, role }: { member: Member; role: string }) =>
      unwrap(
        api.PUT("/api/v1/projects/{p}/members/{user}", {
          params: { path: { p: project.slug, user: member.user.id } },
          body: { role },
        }),
      ),
    onSuccess: async (changed, { member }) => {
      const self = changed.user.id === user.id;
      toast({
        tone: "ok",
        text: `${changed.user.name || changed.user.email} is now ${changed.role}`,
        // Your own demotion may take away the right to undo it, so it offers none.
        action: self ? undefined : { label: "Undo", run: () => changeRole.mutate({ member, role: member.role }) },
      });
      await refresh();
      if (self) await queryClient.invalidateQueries({ queryKey: keys.me });
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });
  const remove = useMutation({
    mutationFn: (member: Member) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/members/{user}", {
          params: { path: { p: project.slug, user: member.user.id } },
        }),
      ),
    onSuccess: async (_, member) => {
      setRemoving(null);
      if (member.user.id === user.id) {
        await queryClient.invalidateQueries({ queryKey: keys.me });
        navigate(paths.projects());
        return;
      }
      toast({ tone: "ok", text: `Removed ${member.user.name || member.user.email}` });
      await refresh();
    },
    onError: (error) => {
      setRemoving(null);
      toast({ tone: "error", text: errorMessage(error) });
    },
  });
  const revoke = useMutation({
    mutationFn: (invitation: Invitation) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/invitations/{id}", {
          params: { path: { p: project.slug, id: invitation.id } },
        }),
      ),
    onSuccess: async (_, invitation) => {
      setRevoking(null);
      toast({ tone: "ok", text: `Revoked the invitation for ${invitation.email}` });
      await queryClient.invalidateQueries({ queryKey: keys.invitations(project.slug) });
    },
    onError: (error) => {
      setRevoking(null);
      toast({ tone: "error", text: errorMessage(error) });
    },
  });

  /** Whether the viewer may change or remove this member: only owners touch an owner. */
  const manages = (member: Member) => editor && (project.role === "owner" || member.role !== "owner");
  const names = new Map((members.data ?? []).map((m) => [m.user.id, m.user.name || m.user.email]));
  const openInvite = () => navigate(`${paths.members(project.slug)}?invite=1`);

  return (
    <section aria-labelledby="members-title">
      <div className="section-head">
        <h1 id="members-title" className="page-title">
          {project.name} <span className="muted title-aside">· members</span>
        </h1>
        {editor ? (
          <button type="button" className="button button-primary" onClick={openInvite}>
            Invite
          </button>
        ) : null}
      </div>
      {!editor ? (
        <p className="muted">
          You are a member of {project.name}. Owners and admins invite people and change roles.
        </p>
      ) : null}
      {members.isPending ? <RowsSkeleton /> : null}
      {members.isError ? (
        <LoadError title="The members could not be loaded" error={members.error} retry={() => void members.refetch()} />
      ) : null}
      {members.data ? (
        <ul className="page-list" aria-label="Members">
          {members.data.map((member) => (
            <li key={member.user.id} className="member-row">
              <div className="member-main">
                <span className="page-row-name">
                  {member.user.name || member.user.email}
                  {member.user.id === user.id ? <span className="muted"> (you)</span> : null}
                </span>
                <span className="muted small">{member.user.email}</span>
              </div>
              <span className="small muted member-since">
                joined <RelativeTime at={member.since} />
              </span>
              {manages(member) ? (
                <label className="inline-field">
                  <span className="visually-hidden">Role of {member.user.name || member.user.email}</span>
                  <select
                    value={member.role}
                    disabled={changeRole.isPending}
                    onChange={(e) => changeRole.mutate({ member, role: e.target.value })}
                  >
                    {ROLES.filter((r) => project.role === "owner" || r !== "owner").map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
                <span className={`badge badge-role-${member.role}`}>{member.role}</span>
              )}
              <div className="page-row-actions">
                {manages(member) ? (
                  <button
                    type="button"
                    className="button button-quiet button-small"
                    aria-label={
                      member.user.id === user.id
                        ? `Leave ${project.name}`
                        : `Remove ${member.user.name || member.user.email}`
                    }
                    onClick={() => setRemoving(member)}
                  >
                    {member.user.id === user.id ? "Leave" : "Remove"}
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      ) : null}

      {editor ? (
        <section aria-labelledby="invitations-title" className="subsection">
          <h2 id="invitations-title" className="section-title">
            Pending invitations
          </h2>
          {invitations.isPending ? <RowsSkeleton /> : null}
          {invitations.isError ? (
            <LoadError title="The invitations could not be loaded" error={invitations.error} retry={() => void invitations.refetch()} />
          ) : null}
          {invitations.data?.length === 0 ? (
            <div className="empty empty-small">
              <p className="muted">
                No invitation is waiting. People join {project.name} through a one-time link you
                create and hand over.
              </p>
              <button type="button" className="button" onClick={openInvite}>
                Invite someone
              </button>
            </div>
          ) : null}
          {invitations.data && invitations.data.length > 0 ? (
            <ul className="page-list" aria-label="Pending invitations">
              {invitations.data.map((invitation) => (
                <li key={invitation.id} className="member-row">
                  <div className="member-main">
                    <span className="page-row-name">{invitation.email}</span>
                    <span className="muted small">
                      invited by {names.get(invitation.invited_by ?? "") ?? "a former member"}{" "}
                      <RelativeTime at={invitation.created_at} />
                    </span>
                  </div>
                  <span className="small muted member-since">
                    expires <RelativeTime at={invitation.expires_at} />
                  </span>
                  <span className="badge">{invitation.role}</span>
                  <div className="page-row-actions">
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      aria-label={`Revoke the invitation for ${invitation.email}`}
                      onClick={() => setRevoking(invitation)}
                    >
                      Revoke
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}

      {editor ? (
        <InviteDialog
          project={project}
          open={inviting}
          onClose={() => navigate(paths.members(project.slug), { replace: true })}
        />
      ) : null}
      <Confirm
        open={removing !== null}
        title={
          removing?.user.id === user.id
            ? `Leave ${project.name}?`
            : `Remove ${removing?.user.name || removing?.user.email || ""}?`
        }
        confirm={removing?.user.id === user.id ? "Leave project" : "Remove member"}
        danger
        busy={remove.isPending}
        onConfirm={() => removing && remove.mutate(removing)}
        onClose={() => setRemoving(null)}
      >
        <p>
          {removing?.user.id === user.id ? "You lose" : "They lose"} access to {project.name}'s
          pages, functions and inbox at once. Coming back takes a new invitation.
        </p>
      </Confirm>
      <Confirm
        open={revoking !== null}
        title={`Revoke the invitation for ${revoking?.email ?? ""}?`}
        confirm="Revoke invitation"
        danger
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      >
        <p>The link stops working at once. You can invite the address again later.</p>
      </Confirm>
    </section>
  );
}
