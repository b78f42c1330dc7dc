/**
 * Completion and hover from the TypeScript worker: React, the DOM, the page's own names and
 * the `kapso` bridge, with their types and JSDoc. Until the worker is ready (or when it cannot
 * load) the editor keeps kapsoAssist; once it is, the worker's answers replace every other
 * completion source, so no name is offered twice. Type errors reach the editor as problems
 * (useTypeProblems.ts).
 */
import {
  autocompletion,
  insertCompletionText,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from "@codemirror/autocomplete";
import { Compartment, type Extension } from "@codemirror/state";
import { EditorView, ViewPlugin, hoverTooltip } from "@codemirror/view";
import { typescript, type TypeScriptStatus } from "../typescript/client";
import type { CompletionEntry } from "../typescript/protocol";
import { hoverDoc, kapsoAssist } from "./kapsoAssist";

/** CodeMirror's icon for each of TypeScript's element kinds. */
const TYPES: Record<string, string> = {
  method: "method",
  construct: "method",
  call: "method",
  function: "function",
  "local function": "function",
  property: "property",
  getter: "property",
  setter: "property",
  accessor: "property",
  "JSX attribute": "property",
  "enum member": "property",
  var: "variable",
  "local var": "variable",
  let: "variable",
  parameter: "variable",
  const: "constant",
  class: "class",
  "local class": "class",
  interface: "interface",
  type: "type",
  "type parameter": "type",
  "primitive type": "type",
  alias: "type",
  enum: "enum",
  module: "namespace",
  keyword: "keyword",
  string: "text",
};

/** Locals ("10", "11") above members and globals ("15") above auto-imports and the rest. */
function boostOf(sortText: string): number {
  const rank = Number.parseInt(sortText, 10);
  return Number.isNaN(rank) ? 0 : Math.max(-99, 20 - rank);
}

/** TypeScript's own text, when it has one: `?.name` or `["some-name"]` also replace the dot. */
function applyOf({ insertText, replaceFrom }: CompletionEntry): Completion["apply"] {
  if (insertText === undefined || replaceFrom === undefined) return insertText;
  return (view, _completion, _from, to) =>
    view.dispatch(insertCompletionText(view.state, insertText, replaceFrom, to));
}

function optionOf(entry: CompletionEntry, text: string, offset: number): Completion {
  return {
    label: entry.name,
    type: TYPES[entry.kind],
    boost: boostOf(entry.sortText),
    apply: applyOf(entry),
    // Asked only for the option the cursor is on.
    info: () =>
      typescript
        .ask({ kind: "completionDetails", text, offset, name: entry.name, source: entry.source })
        .then((details) => (details ? hoverDoc(details.signature, details.documentation) : null))
        .catch(() => null),
  };
}

async function complete(context: CompletionContext): Promise<CompletionResult | null> {
  const word = context.matchBefore(/[\w$]*/);
  const from = word?.from ?? context.pos;
  const afterDot = context.state.sliceDoc(from - 1, from) === ".";
  if (!context.explicit && from === context.pos && !afterDot) return null;
  const text = context.state.doc.toString();
  const found = await typescript.ask({ kind: "completions", text, offset: context.pos }).catch(() => null);
  if (!found || found.entries.length === 0 || context.aborted) return null;
  return {
    from,
    options: found.entries.map((entry) => optionOf(entry, text, context.pos)),
    validFor: /^[\w$]*$/,
  };
}

const hover = hoverTooltip(async (view, pos) => {
  const info = await typescript
    .ask({ kind: "quickInfo", text: view.state.doc.toString(), offset: pos })
    .catch(() => null);
  if (!info) return null;
  return {
    pos: info.from,
    end: info.to,
    above: true,
    create: () => ({ dom: hoverDoc(info.signature, info.documentation) }),
  };
});

const assist = new Compartment();

function assistFor(status: TypeScriptStatus): Extension {
  return status === "ready" ? [autocompletion({ override: [complete] }), hover] : kapsoAssist();
}

/** Swaps the editor's assist when the worker's status changes, and starts the worker. */
const follow = ViewPlugin.define((view: EditorView) => {
  let shown = typescript.status;
  const show = (status: TypeScriptStatus) => {
    if ((status === "ready") === (shown === "ready")) return;
    shown = status;
    view.dispatch({ effects: assist.reconfigure(assistFor(status)) });
  };
  let destroyed = false;
  // Not while the view is being built: a view cannot be updated from inside its constructor.
  const stop = typescript.onStatus((status) =>
    queueMicrotask(() => {
      if (!destroyed) show(status);
    }),
  );
  typescript.startWhenIdle();
  return {
    destroy() {
      destroyed = true;
      stop();
    },
  };
});

export function typescriptAssist(): Extension {
  return [assist.of(assistFor(typescript.status)), follow];
}
