/**
 * Completion for what a function's code has at hand in Quire's runtime
 * (crates/quire-functions/src/shim.js and web_api.rs): the Web APIs as globals, the handler's
 * `request`, `env.KV` and the function's own secrets as `env.NAME`.
 */
import type { Completion, CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { EditorState, type Extension } from "@codemirror/state";

const fn = (label: string, detail: string, info: string): Completion => ({
  label,
  type: "function",
  detail,
  info,
});
const cls = (label: string, detail: string, info: string): Completion => ({
  label,
  type: "class",
  detail,
  info,
});

/** The globals the runtime defines. No `require`, `process`, file system or `std`/`os`. */
const GLOBALS: Completion[] = [
  cls("Request", "new Request(input, init?)", "An HTTP request: method, url, headers, json(), text(), arrayBuffer()."),
  cls("Response", "new Response(body?, { status, headers }?)", "What a handler returns; Response.json(data, init?) answers JSON."),
  cls("Headers", "new Headers(init?)", "Case-insensitive header list: get, set, append, has, delete, entries."),
  cls("URL", "new URL(url, base?)", "A parsed URL: host, pathname, searchParams, …"),
  cls("URLSearchParams", "new URLSearchParams(init?)", "Query string parameters: get, getAll, set, append, has, delete."),
  fn("fetch", "(input, init?) => Promise<Response>", "HTTP(S) to the outside world; private, loopback and link-local addresses are refused. Each call counts against the function's request limit."),
  { label: "crypto", type: "namespace", detail: "randomUUID, getRandomValues", info: "Cryptographically strong random values." },
  { label: "console", type: "namespace", detail: "log, info, warn, error, …", info: "Output shown in the test panel and kept (16 KiB) with each invocation." },
  cls("TextEncoder", "new TextEncoder()", "Strings to UTF-8 bytes."),
  cls("TextDecoder", "new TextDecoder(label?)", "UTF-8 bytes to strings."),
  fn("atob", "(base64) => string", "Decodes base64."),
  fn("btoa", "(binary) => string", "Encodes base64."),
  fn("setTimeout", "(callback, ms?, ...args) => id", "Runs callback later, within the call's time limit."),
  fn("setInterval", "(callback, ms?, ...args) => id", "Runs callback every ms, within the call's time limit."),
  fn("clearTimeout", "(id) => void", "Cancels a setTimeout."),
  fn("clearInterval", "(id) => void", "Cancels a setInterval."),
  fn("queueMicrotask", "(callback) => void", "Runs callback after the current task."),
  fn("structuredClone", "(value) => value", "A deep copy of plain data."),
  cls("DOMException", "new DOMException(message?, name?)", "The error Web APIs throw."),
  { label: "env", type: "variable", detail: "the handler's second argument", info: "env.KV, the project's key-value store, and each secret as env.NAME." },
  { label: "request", type: "variable", detail: "the handler's first argument", info: "The call's Request: the payload is its body." },
];

const MEMBERS: Record<string, Completion[]> = {
  console: ["log", "info", "debug", "warn", "error", "trace", "assert", "count"].map((name) =>
    fn(name, name === "assert" ? "(condition, ...data)" : name === "count" ? "(label?)" : "(...data)", "Written to the invocation's logs."),
  ),
  crypto: [
    fn("randomUUID", "() => string", "A random version 4 UUID."),
    fn("getRandomValues", "(typedArray) => typedArray", "Fills an integer typed array (at most 65,536 bytes) with random values."),
  ],
  "env.KV": [
    fn("get", "(key, type?: \"text\" | \"json\") => Promise<string | null>", "The value of key in the project's store, or null."),
    fn("put", "(key, value, { expirationTtl? }?) => Promise<void>", "Stores value (a string) under key, optionally for expirationTtl seconds."),
    fn("delete", "(key) => Promise<void>", "Removes key."),
    fn("list", "({ prefix?, limit? }?) => Promise<{ keys, list_complete }>", "Key names, at most 1,000 a call."),
  ],
  Response: [fn("json", "(data, init?) => Response", "A JSON response with content-type application/json.")],
  request: [
    { label: "method", type: "property", detail: "string" },
    { label: "url", type: "property", detail: "string", info: "The function's own invoke URL." },
    { label: "headers", type: "property", detail: "Headers", info: "The caller's headers without credentials; X-Quire-Viewer names the member calling." },
    fn("json", "() => Promise<any>", "The body parsed as JSON: the payload."),
    fn("text", "() => Promise<string>", "The body as text."),
    fn("arrayBuffer", "() => Promise<ArrayBuffer>", "The body as bytes."),
  ],
};

/** Completion for the runtime; `secrets()` answers the function's secret names. */
export function runtimeAssist(secrets: () => string[]): Extension {
  const complete = (context: CompletionContext): CompletionResult | null => {
    const member = context.matchBefore(/(?:[A-Za-z_$][\w$]*\.)+[\w$]*$/);
    if (member) {
      const dot = member.text.lastIndexOf(".");
      const object = member.text.slice(0, dot);
      const options =
        object === "env"
          ? [
              { label: "KV", type: "namespace", detail: "key-value store", info: "get, put, delete, list" },
              ...secrets().map((name) => ({ label: name, type: "constant", detail: "secret", info: "Set under Secrets; its value never shows." })),
            ]
          : MEMBERS[object];
      if (!options) return null;
      return { from: member.from + dot + 1, options, validFor: /^[\w$]*$/ };
    }
    const word = context.matchBefore(/[A-Za-z_$][\w$]*$/);
    if (!word && !context.explicit) return null;
    return { from: word?.from ?? context.pos, options: GLOBALS, validFor: /^[\w$]*$/ };
  };
  return EditorState.languageData.of(() => [{ autocomplete: complete }]);
}
