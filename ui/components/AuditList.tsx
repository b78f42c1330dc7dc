/**
 * Audit entries, newest first: when, who, what and on what, each with its recorded details
 * behind a disclosure; "Load more" pages back. Used by a project's log and an account's own.
 */
import type { InfiniteData, UseInfiniteQueryResult } from "@tanstack/react-query";
import type { AuditEntry } from "../api/client";
import { LoadError } from "./LoadError";
import { RelativeTime } from "./RelativeTime";
import { RowsSkeleton } from "./RowsSkeleton";

/** What each recorded action means, in words; unknown actions show as recorded. */
export const ACTION_LABELS: Record<string, string> = {
  "login.success": "Signed in",
  "login.failure": "Failed sign-in",
  "user.password_change": "Changed the password",
  "user.sessions_end": "Signed out everywhere",
  "user.rename": "Changed the name",
  "user.email_change": "Changed the sign-in address",
  "token.create": "Created an API token",
  "token.revoke": "Revoked an API token",
  "project.create": "Created the project",
  "project.rename": "Renamed the project",
  "member.add": "Added a member",
  "member.role_change": "Changed a role",
  "member.remove": "Removed a member",
  "invitation.create": "Invited someone",
  "invitation.revoke": "Revoked an invitation",
  "invitation.accept": "Accepted an invitation",
  "page.create": "Created a page",
  "page.save": "Saved a page",
  "page.update": "Changed a page's settings",
  "page.delete": "Deleted a page",
  "page.publish": "Published a page",
  "page.unpublish": "Unpublished a page",
  "function.create": "Created a function",
  "function.update": "Changed a function's settings",
  "function.code_save": "Saved a function's code",
  "function.delete": "Deleted a function",
  "function.deploy": "Deployed a function",
  "function.secret_set": "Set a function secret",
  "function.secret_delete": "Deleted a function secret",
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

/** "Created an API token" → "created an API token", to follow the actor's name. */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

type Pages = UseInfiniteQueryResult<InfiniteData<AuditEntry[]>>;

export function AuditList({
  query,
  label,
  names,
  empty,
}: {
  query: Pages;
  label: string;
  /** Display names of user ids (a target that is a member). */
  names?: Map<string, string>;
  empty: string;
}) {
  if (query.isPending) return <RowsSkeleton rows={4} />;
  if (query.isError) {
    return (
      <LoadError title="The audit log could not be loaded" error={query.error} retry={() => void query.refetch()} />
    );
  }
  const entries = query.data.pages.flat();
  if (entries.length === 0) {
    return (
      <div className="empty">
        <h2 className="empty-title">No entries</h2>
        <p className="muted">{empty}</p>
      </div>
    );
  }
  return (
    <>
      <ol className="page-list" aria-label={label}>
        {entries.map((entry) => (
          <AuditRow key={entry.id} entry={entry} names={names} />
        ))}
      </ol>
      <div className="load-more">
        {query.hasNextPage ? (
          <button
            type="button"
            className="button"
            disabled={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        ) : (
          <span className="muted small">
            {entries.length === 1 ? "The only entry" : `All ${entries.length.toLocaleString()} entries`}
          </span>
        )}
      </div>
    </>
  );
}

function AuditRow({ entry, names }: { entry: AuditEntry; names?: Map<string, string> }) {
  const actor = entry.actor_name ?? entry.actor_email ?? (entry.actor_id ? "a removed account" : "Quire");
  const target = entry.target ? (names?.get(entry.target) ?? null) : null;
  const hasDetails =
    entry.details !== null && typeof entry.details === "object" && Object.keys(entry.details).length > 0;
  return (
    <li className="audit-row">
      <span className="audit-time small muted">
        <RelativeTime at={entry.at} />
      </span>
      <span className="audit-what">
        <span className="audit-actor" title={entry.actor_email ?? undefined}>
          {actor}
        </span>{" "}
        <span>{lowerFirst(actionLabel(entry.action))}</span>
        {target ? <span> · {target}</span> : null}
        <span className="mono small muted audit-action"> {entry.action}</span>
      </span>
      {hasDetails ? (
        <details className="audit-details">
          <summary>Details</summary>
          <dl>
            {Object.entries(entry.details).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd className="mono">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
              </div>
            ))}
            {entry.target ? (
              <div>
                <dt>target</dt>
                <dd className="mono">{entry.target}</dd>
              </div>
            ) : null}
          </dl>
        </details>
      ) : null}
    </li>
  );
}
