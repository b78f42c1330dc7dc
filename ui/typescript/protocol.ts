/**
 * The messages between the studio and its TypeScript worker (worker.ts). Every request
 * carries the page's whole text (a page is one file of a few kilobytes), so the worker never
 * drifts from the editor; offsets are UTF-16 positions in that text, as in CodeMirror.
 */

/** Where the worker finds what it checks pages against; the first message it gets. */
export interface Setup {
  kind: "setup";
  /** The JSON map of declaration files (path under node_modules → text), a hashed asset. */
  declarations: string;
  /** The `kapso` global's declarations (`GET /api/v1/kapso.d.ts`). */
  kapso: string;
}

export type Query =
  | { kind: "diagnostics"; text: string }
  | { kind: "completions"; text: string; offset: number }
  | { kind: "completionDetails"; text: string; offset: number; name: string; source?: string }
  | { kind: "quickInfo"; text: string; offset: number };

export type Request = { id: number } & Query;

/** A diagnostic at a 1-based line and column. */
export interface TypeDiagnostic {
  /** Syntax errors come from parsing; type errors are reported only when the syntax is clean. */
  kind: "syntax" | "type";
  category: "error" | "warning" | "suggestion" | "message";
  line: number;
  column: number;
  /** The UTF-16 length of the span it is about. */
  length: number;
  /** The message, with its chain of reasons on the following lines. */
  message: string;
  code: number;
}

export interface CompletionEntry {
  name: string;
  /** TypeScript's element kind: "method", "property", "function", "keyword", … */
  kind: string;
  /** TypeScript's sort key: lower sorts first ("11" locals … "15" globals and keywords). */
  sortText: string;
  /** TypeScript's text for it, when it differs from the name. */
  insertText?: string;
  /** Where `insertText` starts replacing, when before the word (say, the dot of `?.name`). */
  replaceFrom?: number;
  /** The module it would come from, for details. */
  source?: string;
}

export interface Completions {
  entries: CompletionEntry[];
  /** Where the text the entries replace starts, when TypeScript says. */
  from?: number;
}

/** A signature and its documentation, as plain text. */
export interface Documented {
  signature: string;
  documentation: string;
}

export interface QuickInfo extends Documented {
  from: number;
  to: number;
}

export interface Answers {
  diagnostics: TypeDiagnostic[];
  completions: Completions | null;
  completionDetails: Documented | null;
  quickInfo: QuickInfo | null;
}

export type Response =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "answer"; id: number; result: Answers[Query["kind"]] }
  | { kind: "error"; id: number; message: string };
