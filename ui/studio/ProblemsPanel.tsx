/**
 * The problems of the text in the editor, from the last compile and the type checker, each
 * with where it came from; each jumps to its place.
 */
import type { Build } from "../api/client";
import type { Problem } from "./CodeEditor";

/** The compiler's diagnostics of `build`, as problems at their place. */
export function problemsOf(build: Build): Problem[] {
  return build.diagnostics.map((diagnostic) => ({
    severity: diagnostic.severity === "warning" ? "warning" : "error",
    line: diagnostic.line,
    column: diagnostic.column,
    message: diagnostic.message,
    help: diagnostic.help,
    source: "compiler",
  }));
}

export function ProblemsPanel({
  problems,
  compiling,
  onPick,
}: {
  problems: Problem[];
  compiling: boolean;
  onPick: (problem: Problem) => void;
}) {
  const errors = problems.filter((p) => p.severity === "error").length;
  return (
    <section className="problems" aria-label="Problems">
      <header className="problems-head">
        <span className="problems-title">Problems</span>
        <span className={errors > 0 ? "badge badge-error" : "badge"}>{problems.length}</span>
        {compiling ? <span className="small muted">compiling…</span> : null}
      </header>
      {problems.length === 0 ? (
        <p className="problems-empty small muted">No problems in this text.</p>
      ) : (
        <ul className="problems-list">
          {problems.map((problem, index) => (
            <li key={index}>
              <button type="button" className="problem" onClick={() => onPick(problem)}>
                <span className={`problem-severity problem-${problem.severity}`}>{problem.severity}</span>
                <span className="problem-message">
                  {problem.message}
                  {problem.help ? <span className="problem-help muted"> {problem.help}</span> : null}
                </span>
                <span className="problem-place mono small muted">
                  {problem.source} {problem.line}:{problem.column}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
