/**
 * The page an invitation link opens, signed in or not: what it invites to (project, role,
 * inviter). Signed out it always offers both "Sign in" and "Create an account" — it never
 * says whether the address has an account — and nobody joins until they press Accept.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { ApiError, api, errorMessage, setCsrfToken, unwrap, type Me, type Schemas } from "../api/client";
import { keys, useInvitationPreview } from "../api/queries";
import { Notice } from "../components/Notice";
import { paths } from "../paths";
import { FormError } from "../components/LoadError";

type AcceptBody = Schemas["AcceptInvitationRequest"];

export function Invitation({ token, me }: { token: string; me: Me | null }) {
  const preview = useInvitationPreview(token);
  const here = paths.invitation(token);

  if (preview.isPending) return <Frame><Notice tone="quiet" title="Opening the invitation…" /></Frame>;
  if (preview.isError) {
    const invalid = preview.error instanceof ApiError && preview.error.status === 404;
    return (
      <Frame>
        <Notice tone="error" title={invalid ? "This invitation link does not work" : "The invitation could not be opened"}>
          {errorMessage(preview.error)}{" "}
          {invalid ? null : (
            <button type="button" className="link-button" onClick={() => void preview.refetch()}>
              Try again
            </button>
          )}
        </Notice>
      </Frame>
    );
  }
  const invitation = preview.data;
  const article = invitation.role === "admin" || invitation.role === "owner" ? "an" : "a";
  return (
    <Frame>
      <div className="card signin-card invitation-card">
        <div className="brand brand-large">Quire</div>
        <h1 className="signin-title">Join {invitation.project_name}</h1>
        <p>
          {invitation.inviter_name ?? "A project owner"} invites <strong>{invitation.email}</strong>{" "}
          to be {article} <strong>{invitation.role}</strong> of{" "}
          <strong>{invitation.project_name}</strong>.
        </p>
        <p className="muted small">
          The link works once, until{" "}
          {new Date(invitation.expires_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}.
        </p>
        {me ? (
          <SignedIn token={token} me={me} email={invitation.email} />
        ) : (
          <SignedOut token={token} email={invitation.email} next={here} />
        )}
      </div>
    </Frame>
  );
}

function Frame({ children }: { children: React.ReactNode }) {
  return <main className="signin">{children}</main>;
}

function SignedIn({ token, me, email }: { token: string; me: Me; email: string }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const accept = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/invitations/{token}/accept", {
          params: { path: { token } },
          // Signed in, the accept takes no body (the document marks the body for the signed-out case).
          body: undefined as unknown as AcceptBody,
        }),
      ),
    onSuccess: async (accepted) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      navigate(paths.project(accepted.project.slug), { replace: true });
    },
  });
  const signOut = async () => {
    await api.POST("/api/v1/auth/logout").catch(() => undefined);
    setCsrfToken(null);
    queryClient.setQueryData(keys.me, null);
  };
  if (me.user.email !== email) {
    return (
      <div className="form">
        <p className="form-error" role="alert">
          You are signed in as {me.user.email}, but this invitation is for {email}. Sign out, then
          sign in with that address or create its account here.
        </p>
        <button type="button" className="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    );
  }
  return (
    <div className="form">
      <p className="muted">You are signed in as {me.user.email}.</p>
      <FormError error={accept.error} />
      <button
        type="button"
        className="button button-primary"
        disabled={accept.isPending}
        onClick={() => accept.mutate()}
      >
        {accept.isPending ? "Joining…" : "Accept invitation"}
      </button>
      <Link href={paths.projects()} className="small">
        Not now
      </Link>
    </div>
  );
}

function SignedOut({ token, email, next }: { token: string; email: string; next: string }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const create = useMutation({
    mutationFn: async () => {
      const accepted = await unwrap(
        api.POST("/api/v1/invitations/{token}/accept", {
          params: { path: { token } },
          body: { name: name.trim(), password },
        }),
      );
      const session = await unwrap(api.POST("/api/v1/auth/login", { body: { email, password } }));
      setCsrfToken(session.csrf_token);
      return accepted;
    },
    onSuccess: async (accepted) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      navigate(paths.project(accepted.project.slug), { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <section aria-labelledby="have-account" className="invitation-option">
        <h2 id="have-account" className="section-title">
          Have an account for {email}?
        </h2>
        <Link href={paths.login(next)} className="button">
          Sign in to accept
        </Link>
      </section>
      <form className="form invitation-option" onSubmit={submit} aria-labelledby="new-account">
        <h2 id="new-account" className="section-title">
          Create an account
        </h2>
        <p className="muted small">For {email}; you join when you press the button.</p>
        <label className="field">
          <span>Your name</span>
          <input
            required
            maxLength={200}
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby="new-password-help"
          />
          <small id="new-password-help" className="muted">
            At least 10 characters.
          </small>
        </label>
        <FormError error={create.error} />
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create account and accept"}
        </button>
      </form>
    </>
  );
}
