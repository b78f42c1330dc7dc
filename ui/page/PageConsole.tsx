/**
 * The page console: a panel under a framed page that shows its editors what the page wrote to
 * its console and the errors it did not catch (forwarded by the bridge), newest at the bottom.
 * Escape closes it; it follows new lines while scrolled to the end.
 */
import { useLayoutEffect, useRef, type KeyboardEvent } from "react";
import { LIMIT, type ConsoleLine } from "./usePageConsole";

function time(at: number): string {
  const date = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

const LABELS: Record<ConsoleLine["level"], string> = {
  log: "log",
  info: "info",
  debug: "debug",
  warn: "warning",
  error: "error",
  uncaught: "uncaught",
};

export function PageConsole({
  id,
  lines,
  dropped,
  onClear,
  onClose,
}: {
  id: string;
  lines: ConsoleLine[];
  dropped: number;
  onClear: () => void;
  onClose: () => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const atEnd = useRef(true);

  useLayoutEffect(() => {
    const element = list.current;
    if (element && atEnd.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
    }
  };

  return (
    <section id={id} className="page-console" aria-labelledby={`${id}-title`} onKeyDown={onKeyDown}>
      <header className="page-console-bar">
        <h2 id={`${id}-title`} className="page-console-title">
          Page console
        </h2>
        <span className="page-console-count muted small">
          {lines.length === 1 ? "1 line" : `${lines.length} lines`}
          {dropped > 0 ? ` · ${dropped} older dropped (the last ${LIMIT} are kept)` : ""}
        </span>
        <button
          type="button"
          className="button button-quiet"
          onClick={onClear}
          disabled={lines.length === 0 && dropped === 0}
        >
          Clear
        </button>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </header>
      {lines.length === 0 ? (
        <p className="page-console-empty muted">
          Nothing yet. What the page writes with <code>console.log</code>, <code>warn</code> or{" "}
          <code>error</code>, and the errors it does not catch, show here.
        </p>
      ) : null}
      <ol
        ref={list}
        className="page-console-lines"
        role="log"
        aria-label="Console output"
        tabIndex={0}
        hidden={lines.length === 0}
        onScroll={(event) => {
          const element = event.currentTarget;
          atEnd.current = element.scrollHeight - element.scrollTop - element.clientHeight < 8;
        }}
      >
        {lines.map((line) => (
          <li key={line.id} className={`console-line console-${line.level}`}>
            <span className="console-level">{LABELS[line.level]}</span>
            <time className="console-time" dateTime={new Date(line.at).toISOString()}>
              {time(line.at)}
            </time>
            <div className="console-text">
              {line.text}
              {line.stack ? (
                <details className="console-stack">
                  <summary>Stack</summary>
                  <pre>{line.stack}</pre>
                </details>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
