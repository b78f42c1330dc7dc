/** The sign-in screen: e-mail and password, then back to where the viewer was going. */
import { useState, type FormEvent } from "react";
import { ApiError, api, errorMessage, setCsrfToken, unwrap } from "../api/client";

export function SignIn({ next, onSignedIn }: { next: string; onSignedIn: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await unwrap(
        api.POST("/api/v1/auth/login", { body: { email: email.trim(), password } }),
      );
      setCsrfToken(session.csrf_token);
      await onSignedIn();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? "That e-mail and password do not match an account. Check both and try again."
          : errorMessage(e),
      );
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand brand-large">Quire</div>
        <h1 id="signin-title" className="signin-title">
          Sign in
        </h1>
        {next !== "/" ? <p className="muted">Sign in to continue to {next}.</p> : null}
        <label className="field">
          <span>E-mail</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
