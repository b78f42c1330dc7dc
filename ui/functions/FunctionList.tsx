/**
 * A project's functions: state, deployed version, public or private, the last call and its
 * outcome, and calls and errors over the last 24 hours (from the server's per-hour counters).
 * Owners and admins create functions here; everyone opens a function's screen.
 */
import { useLocation, useSearch, Link } from "wouter";
import { canEdit, errorMessage, type FunctionItem, type Project } from "../api/client";
import { useFunctions } from "../api/queries";
import { Notice } from "../components/Notice";
import { RelativeTime } from "../components/RelativeTime";
import { paths } from "../paths";
import { ListSkeleton } from "../screens/PageList";
import { NewFunctionDialog } from "./NewFunctionDialog";
import { VIA_LABEL, formatNumber, functionState } from "./status";
import "./functions.css";

export function FunctionList({ project }: { project: Project }) {
  const functions = useFunctions(project.slug);
  const editor = canEdit(project);
  const search = useSearch();
  const [, navigate] = useLocation();
  const creating = new URLSearchParams(search).get("new") === "1";
  const openNew = () => navigate(`${paths.functions(project.slug)}?new=1`);
  const list = functions.data ?? [];

  return (
    <section aria-labelledby="functions-title">
      <div className="section-head">
        <h1 id="functions-title" className="page-title">
          {project.name} <span className="muted title-aside">· functions</span>
        </h1>
        {editor ? (
          <button type="button" className="button button-primary" onClick={openNew}>
            New function
          </button>
        ) : null}
      </div>
      {functions.isPending ? <ListSkeleton /> : null}
      {functions.isError ? (
        <Notice tone="error" title="The functions could not be loaded">
          {errorMessage(functions.error)}{" "}
          <button type="button" className="link-button" onClick={() => void functions.refetch()}>
            Try again
          </button>
        </Notice>
      ) : null}
      {functions.isSuccess && list.length === 0 ? (
        <div className="empty">
          <h2 className="empty-title">No functions yet</h2>
          <p className="muted">
            A function is server-side JavaScript: pages call it with kapso.invokeFunction, other
            services with a POST to its URL. It keeps secrets and a key-value store.
            {editor ? " Start from a template." : " An owner or admin can create one."}
          </p>
          {editor ? (
            <button type="button" className="button button-primary" onClick={openNew}>
              New function
            </button>
          ) : null}
        </div>
      ) : null}
      {list.length > 0 ? (
        <ul className="page-list fn-list" aria-label="Functions">
          {list.map((fn) => (
            <FunctionRow key={fn.id} project={project} fn={fn} />
          ))}
        </ul>
      ) : null}
      {editor ? (
        <NewFunctionDialog
          project={project}
          open={creating}
          onClose={() => navigate(paths.functions(project.slug), { replace: true })}
        />
      ) : null}
    </section>
  );
}

function FunctionRow({ project, fn }: { project: Project; fn: FunctionItem }) {
  const state = functionState(fn);
  const last = fn.last_call;
  return (
    <li className="page-row fn-row">
      <div className="page-row-main">
        <Link href={paths.fn(project.slug, fn.slug)} className="page-row-name">
          {fn.name}
        </Link>
        <span className="muted mono small">{fn.slug}</span>
      </div>
      <div className="page-row-badges">
        <span className={`badge badge-${state.tone}`} title={state.title}>
          {state.label}
        </span>
        <span
          className={fn.public_endpoint ? "badge badge-info" : "badge"}
          title={fn.public_endpoint ? "Anyone may call its URL" : "Callers need an API token or a page"}
        >
          {fn.public_endpoint ? "Public" : "Private"}
        </span>
      </div>
      <div className="fn-row-stats small" aria-label={`Calls of ${fn.name} in the last 24 hours`}>
        <span>
          <strong>{formatNumber(fn.calls_24h)}</strong> <span className="muted">{fn.calls_24h === 1 ? "call" : "calls"}</span>
        </span>
        <span className={fn.errors_24h > 0 ? "fn-errors" : "muted"}>
          <strong>{formatNumber(fn.errors_24h)}</strong> {fn.errors_24h === 1 ? "error" : "errors"}
        </span>
        <span className="muted">24 h</span>
      </div>
      <div className="page-row-meta small muted">
        <span>{fn.deployed_version != null ? `v${fn.deployed_version} deployed` : "not deployed"}</span>
        {last ? (
          <span>
            <span className={last.ok ? "fn-ok" : "fn-errors"}>
              {last.ok ? "✓" : "✕"} {last.status ?? last.error_code ?? ""}
            </span>{" "}
            {VIA_LABEL[last.via] ?? last.via} · <RelativeTime at={last.at} />
          </span>
        ) : (
          <span>never called</span>
        )}
      </div>
    </li>
  );
}
