/**
 * A project's audit log for its owners and admins: who did what and when, newest first,
 * filtered by action, actor and day range (the filters are the URL's query, so a filtered
 * view can be linked), each entry's details behind a disclosure, paged with "Load more".
 */
import { useLocation, useSearch } from "wouter";
import { canEdit, type Project } from "../api/client";
import { useMembers, useProjectAudit, type AuditFilter } from "../api/queries";
import { ACTION_LABELS, AuditList } from "../components/AuditList";
import { Notice } from "../components/Notice";
import { paths } from "../paths";

const KINDS: [string, string][] = [
  ["member.", "Members"],
  ["invitation.", "Invitations"],
  ["token.", "API tokens"],
  ["page.", "Pages"],
  ["function.", "Functions"],
  ["project.", "The project"],
];

/** The start of a local day (`2025-01-31`) as an RFC 3339 time; `days` later when given. */
function dayStart(day: string, days = 0): string | undefined {
  const date = new Date(`${day}T00:00:00`);
  if (Number.isNaN(date.getTime())) return undefined;
  date.setDate(date.getDate() + days);
  return date.toISOString();
}

export function AuditLog({ project }: { project: Project }) {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const members = useMembers(project.slug);
  const action = search.get("action") ?? "";
  const actor = search.get("actor") ?? "";
  const from = search.get("from") ?? "";
  const to = search.get("to") ?? "";
  const filter: AuditFilter = {
    action: action || undefined,
    actor: actor || undefined,
    since: from ? dayStart(from) : undefined,
    until: to ? dayStart(to, 1) : undefined,
  };
  const audit = useProjectAudit(project.slug, filter, canEdit(project));
  if (!canEdit(project)) {
    return (
      <Notice tone="info" title="The audit log is for owners and admins">
        Ask an owner of {project.name} if you need to know who changed what.
      </Notice>
    );
  }
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    const query = next.toString();
    navigate(paths.audit(project.slug) + (query ? `?${query}` : ""), { replace: true });
  };
  const filtered = Boolean(action || actor || from || to);
  const names = new Map((members.data ?? []).map((m) => [m.user.id, m.user.name || m.user.email]));

  return (
    <section aria-labelledby="audit-title">
      <div className="section-head">
        <h1 id="audit-title" className="page-title">
          {project.name} <span className="muted title-aside">· audit log</span>
        </h1>
      </div>
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Action</span>
          <select value={action} onChange={(e) => set("action", e.target.value)}>
            <option value="">Every action</option>
            <optgroup label="Kinds">
              {KINDS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}: all
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {Object.entries(ACTION_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label className="field">
          <span>By</span>
          <select value={actor} onChange={(e) => set("actor", e.target.value)}>
            <option value="">Anyone</option>
            {(members.data ?? []).map((m) => (
              <option key={m.user.id} value={m.user.id}>
                {m.user.name || m.user.email}
              </option>
            ))}
            {actor && !names.has(actor) ? <option value={actor}>{actor}</option> : null}
          </select>
        </label>
        <label className="field">
          <span>From</span>
          <input type="date" value={from} max={to || undefined} onChange={(e) => set("from", e.target.value)} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={to} min={from || undefined} onChange={(e) => set("to", e.target.value)} />
        </label>
        {filtered ? (
          <button
            type="button"
            className="button button-quiet filters-clear"
            onClick={() => navigate(paths.audit(project.slug), { replace: true })}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      <AuditList
        query={audit}
        label="Audit log"
        names={names}
        empty={
          filtered
            ? "Nothing matches these filters. Widen the dates or clear the filters."
            : "Changes to this project — members, invitations, pages, functions, tokens — are recorded here."
        }
      />
    </section>
  );
}
