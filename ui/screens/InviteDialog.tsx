/**
 * "Invite": an e-mail address and a role give a one-time link, shown here once with a copy
 * button; the inviter hands it over (Quire sends no e-mail). Only owners invite owners.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Project } from "../api/client";
import { keys, queryClient } from "../api/queries";
import { CopyField } from "../components/CopyField";
import { Dialog, FormButtons } from "../components/Dialog";
import { paths } from "../paths";
import { FormError } from "../components/LoadError";

export function InviteDialog({
  project,
  open,
  onClose,
}: {
  project: Project;
  open: boolean;
  onClose: () => void;
}) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [days, setDays] = useState(7);
  const invite = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/projects/{p}/invitations", {
          params: { path: { p: project.slug } },
          body: { email: email.trim(), role, expires_in_days: days },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.invitations(project.slug) }),
  });
  const close = () => {
    invite.reset();
    setEmail("");
    setRole("member");
    setDays(7);
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  const created = invite.data;
  const link = created ? location.origin + paths.invitation(created.token) : "";

  return (
    <Dialog
      open={open}
      title={created ? "Invitation link" : `Invite to ${project.name}`}
      onClose={close}
      footer={
        created ? (
          <>
            <button type="button" className="button" onClick={() => invite.reset()}>
              Invite someone else
            </button>
            <button type="button" className="button button-primary" onClick={close}>
              Done
            </button>
          </>
        ) : (
          <FormButtons form="invite-form" label="Create invitation link" busyLabel="Creating link…" busy={invite.isPending} onCancel={close} />
        )
      }
    >
      {created ? (
        <div className="form">
          <p>
            Send this link to <strong>{created.email}</strong>. It makes them{" "}
            {created.role === "admin" ? "an admin" : `a ${created.role}`} of {project.name} once
            they accept, and works once, until{" "}
            {new Date(created.expires_at).toLocaleDateString(undefined, { dateStyle: "medium" })}.
          </p>
          <CopyField
            label="Invitation link"
            value={link}
            note="Shown only now: Quire keeps no copy. Lost it? Revoke the invitation and invite again."
          />
        </div>
      ) : (
        <form id="invite-form" className="form" onSubmit={submit}>
          <label className="field">
            <span>E-mail</span>
            <input
              type="email"
              required
              autoFocus
              maxLength={254}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="name@example.com"
            />
          </label>
          <label className="field">
            <span>Role</span>
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="member">Member — sees published pages, calls functions</option>
              <option value="admin">Admin — edits pages and functions, invites</option>
              {project.role === "owner" ? (
                <option value="owner">Owner — everything, including owners</option>
              ) : null}
            </select>
          </label>
          <label className="field">
            <span>Link works for</span>
            <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {[1, 3, 7, 14, 30].map((d) => (
                <option key={d} value={d}>
                  {d === 1 ? "1 day" : `${d} days`}
                </option>
              ))}
            </select>
          </label>
          <FormError error={invite.error} />
        </form>
      )}
    </Dialog>
  );
}
