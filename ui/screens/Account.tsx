/**
 * The signed-in account: name and e-mail, a new password (the other sessions end), signing
 * out of every session, API tokens, and the account's own activity (`/me/audit`).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage, setCsrfToken, unwrap, type Me } from "../api/client";
import { keys, useAccountAudit } from "../api/queries";
import { AuditList } from "../components/AuditList";
import { Confirm } from "../components/Dialog";
import { useToast } from "../components/Toasts";
import { ApiTokens } from "./ApiTokens";
import { FormError } from "../components/LoadError";

export function Account({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const activity = useAccountAudit();
  return (
    <section aria-labelledby="account-title" className="account-screen">
      <h1 id="account-title" className="page-title">
        Your account
      </h1>
      <dl className="facts card">
        <div>
          <dt>Name</dt>
          <dd>{me.user.name || "—"}</dd>
        </div>
        <div>
          <dt>E-mail</dt>
          <dd>{me.user.email}</dd>
        </div>
        <div>
          <dt>Projects</dt>
          <dd>{me.projects.length.toLocaleString()}</dd>
        </div>
      </dl>
      <NameForm name={me.user.name} onChanged={() => void activity.refetch()} />
      <EmailForm email={me.user.email} onChanged={() => void activity.refetch()} />
      <PasswordForm onChanged={() => void activity.refetch()} />
      <SignOutEverywhere onSignedOut={onSignedOut} />
      <ApiTokens projects={me.projects} />
      <section aria-labelledby="activity-title" className="subsection">
        <h2 id="activity-title" className="section-title">
          Account activity
        </h2>
        <AuditList
          query={activity}
          label="Account activity"
          empty="Sign-ins, password changes, tokens and accepted invitations show here."
        />
      </section>
    </section>
  );
}

/** The name others see: in members lists, as a version's author, in the audit log. */
function NameForm({ name, onChanged }: { name: string; onChanged: () => void }) {
  const [value, setValue] = useState(name);
  const toast = useToast();
  const queryClient = useQueryClient();
  const rename = useMutation({
    mutationFn: () => unwrap(api.PATCH("/api/v1/me", { body: { name: value } })),
    onSuccess: async (user) => {
      setValue(user.name);
      toast({ tone: "ok", text: "Name saved" });
      await queryClient.invalidateQueries({ queryKey: keys.me });
      onChanged();
    },
  });
  return (
    <form
      className="form card subsection-card"
      aria-labelledby="name-title"
      onSubmit={(event) => {
        event.preventDefault();
        rename.mutate();
      }}
    >
      <h2 id="name-title" className="section-title">
        Your name
      </h2>
      <label className="field">
        <span>Name</span>
        <input
          required
          maxLength={200}
          autoComplete="name"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <FormError error={rename.error} />
      <div className="form-actions form-actions-start">
        <button
          type="submit"
          className="button"
          disabled={rename.isPending || value.trim() === name || value.trim() === ""}
        >
          {rename.isPending ? "Saving…" : "Save name"}
        </button>
        <span className="muted small">Others see it in members lists and as a version’s author.</span>
      </div>
    </form>
  );
}

/**
 * The address the account signs in with. Quire sends no mail to confirm a new address, so the
 * current password confirms the change instead.
 */
function EmailForm({ email, onChanged }: { email: string; onChanged: () => void }) {
  const [value, setValue] = useState(email);
  const [password, setPassword] = useState("");
  const toast = useToast();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: () =>
      unwrap(api.PUT("/api/v1/me/email", { body: { email: value, current_password: password } })),
    onSuccess: async (user) => {
      setValue(user.email);
      setPassword("");
      toast({ tone: "ok", text: `You now sign in as ${user.email}` });
      await queryClient.invalidateQueries({ queryKey: keys.me });
      onChanged();
    },
  });
  const unchanged = value.trim().toLowerCase() === email;
  return (
    <form
      className="form card subsection-card"
      aria-labelledby="email-title"
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate();
      }}
    >
      <h2 id="email-title" className="section-title">
        Sign-in address
      </h2>
      <div className="field-pair">
        <label className="field">
          <span>E-mail</span>
          <input
            type="email"
            required
            maxLength={254}
            autoComplete="email"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        <CurrentPassword value={password} onChange={setPassword} />
      </div>
      <FormError error={change.error} />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button" disabled={change.isPending || unchanged || password === ""}>
          {change.isPending ? "Saving…" : "Change address"}
        </button>
        <span className="muted small">Your password confirms it. An invitation is for the address it was sent to.</span>
      </div>
    </form>
  );
}

/** The password an account change is confirmed with. */
function CurrentPassword({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label className="field">
      <span>Current password</span>
      <input
        type="password"
        required
        autoComplete="current-password"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

function PasswordForm({ onChanged }: { onChanged: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const toast = useToast();
  const change = useMutation({
    mutationFn: () =>
      unwrap(api.PUT("/api/v1/me/password", { body: { current_password: current, new_password: next } })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setAgain("");
      toast({ tone: "ok", text: "Password changed; your other sessions have ended" });
      onChanged();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMismatch(next !== again);
    if (next === again) change.mutate();
  };
  return (
    <form className="form card subsection-card" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title" className="section-title">
        Change password
      </h2>
      <CurrentPassword value={current} onChange={setCurrent} />
      <div className="field-pair">
        <label className="field">
          <span>New password</span>
          <input
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label className="field">
          <span>New password again</span>
          <input
            type="password"
            required
            autoComplete="new-password"
            value={again}
            aria-invalid={mismatch}
            onChange={(e) => setAgain(e.target.value)}
          />
        </label>
      </div>
      <FormError error={mismatch ? "The two new passwords differ. Type the same one twice." : null} />
      <FormError error={change.error} />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" disabled={change.isPending}>
          {change.isPending ? "Changing…" : "Change password"}
        </button>
        <span className="muted small">Every other session of this account is signed out.</span>
      </div>
    </form>
  );
}

function SignOutEverywhere({ onSignedOut }: { onSignedOut: () => void }) {
  const [asking, setAsking] = useState(false);
  const toast = useToast();
  const end = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/me/sessions")),
    onSuccess: () => {
      setCsrfToken(null);
      onSignedOut();
    },
    onError: (error) => {
      setAsking(false);
      toast({ tone: "error", text: errorMessage(error) });
    },
  });
  return (
    <section aria-labelledby="sessions-title" className="card subsection-card">
      <h2 id="sessions-title" className="section-title">
        Sessions
      </h2>
      <div className="form-actions form-actions-start">
        <button type="button" className="button" onClick={() => setAsking(true)}>
          Sign out of every session
        </button>
        <span className="muted small">
          On every browser, this one included. API tokens keep working; revoke them below.
        </span>
      </div>
      <Confirm
        open={asking}
        title="Sign out of every session?"
        confirm="Sign out everywhere"
        danger
        busy={end.isPending}
        onConfirm={() => end.mutate()}
        onClose={() => setAsking(false)}
      >
        <p>Every browser signed in to this account, this one too, has to sign in again.</p>
      </Confirm>
    </section>
  );
}
