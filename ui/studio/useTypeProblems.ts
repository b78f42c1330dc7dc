/**
 * The type errors of the editor's text, from the TypeScript worker, checked once typing
 * pauses; nothing is saved. Syntax errors are left to the compiler, which reports them too:
 * one problem each, not two.
 */
import { useEffect, useState, useSyncExternalStore } from "react";
import { typescript } from "../typescript/client";
import type { TypeDiagnostic } from "../typescript/protocol";
import type { Problem } from "./CodeEditor";
import { DEBOUNCE_MS } from "./usePreview";

const subscribe = (onChange: () => void) => typescript.onStatus(onChange);
const status = () => typescript.status;

function problemOf(diagnostic: TypeDiagnostic): Problem {
  return {
    severity: diagnostic.category === "error" ? "error" : diagnostic.category === "warning" ? "warning" : "info",
    line: diagnostic.line,
    column: diagnostic.column,
    message: diagnostic.message,
    source: "typescript",
  };
}

export function useTypeProblems(text: string): Problem[] {
  return useTypeCheck(text).problems;
}

/** The type problems with the text they were found in (the check lags the editor). */
export function useTypeCheck(text: string): { problems: Problem[]; checked: string | null; ready: boolean } {
  const ready = useSyncExternalStore(subscribe, status) === "ready";
  const [result, setResult] = useState<{ problems: Problem[]; checked: string | null }>({
    problems: [],
    checked: null,
  });

  useEffect(() => {
    typescript.startWhenIdle();
  }, []);

  useEffect(() => {
    if (!ready) return;
    let current = true;
    const timer = setTimeout(() => {
      typescript
        .ask({ kind: "diagnostics", text })
        .then((diagnostics) => diagnostics.filter((d) => d.kind === "type").map(problemOf))
        .catch(() => [])
        .then((found) => {
          if (current) setResult({ problems: found, checked: text });
        });
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, ready]);

  return ready ? { ...result, ready } : { problems: [], checked: null, ready };
}
