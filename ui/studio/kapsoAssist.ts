/**
 * Completion and hover for the `kapso` global, read from the declarations pages get
 * (`GET /api/v1/kapso.d.ts`, bridge/kapso.d.ts), so they say what the bridge does. This is
 * the editor's assist until the TypeScript worker has loaded, or when it cannot load;
 * typescriptAssist.ts then answers for everything, `kapso` included.
 */
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { EditorState, type Extension } from "@codemirror/state";
import { hoverTooltip } from "@codemirror/view";

export interface KapsoMember {
  name: string;
  signature: string;
  doc: string;
}

/** The members of `interface Kapso` in a `kapso.d.ts`, with their signatures and JSDoc. */
export function kapsoMembers(declarations: string): KapsoMember[] {
  const body = /interface Kapso \{([\s\S]*?)\n\}/.exec(declarations)?.[1] ?? "";
  const members: KapsoMember[] = [];
  const pattern = /\/\*\*([\s\S]*?)\*\/\s*(\w+)(<[^>]*>)?\(([\s\S]*?)\)\s*:\s*([^;]+);/g;
  for (const match of body.matchAll(pattern)) {
    const doc = match[1]
      .split("\n")
      .map((line) => line.replace(/^\s*\*\s?/, "").trim())
      .filter(Boolean)
      .join(" ");
    const params = match[4].replace(/\s+/g, " ").trim();
    members.push({
      name: match[2],
      signature: `${match[2]}${match[3] ?? ""}(${params}): ${match[5].trim()}`,
      doc,
    });
  }
  return members;
}

let loaded: Promise<KapsoMember[]> | null = null;

/** The bridge's members, fetched once per app load. */
function members(): Promise<KapsoMember[]> {
  loaded ??= fetch("/api/v1/kapso.d.ts")
    .then((response) => (response.ok ? response.text() : ""))
    .then(kapsoMembers)
    .catch(() => {
      loaded = null;
      return [];
    });
  return loaded;
}

async function complete(context: CompletionContext): Promise<CompletionResult | null> {
  const before = context.matchBefore(/\bkapso\.\w*$/);
  if (!before) return null;
  const all = await members();
  return {
    from: before.from + "kapso.".length,
    options: all.map((member) => ({
      label: member.name,
      type: "method",
      detail: member.signature.slice(member.name.length),
      info: member.doc,
    })),
    validFor: /^\w*$/,
  };
}

const hover = hoverTooltip(async (view, pos) => {
  const word = view.state.wordAt(pos);
  if (!word) return null;
  const name = view.state.sliceDoc(word.from, word.to);
  const isMember = view.state.sliceDoc(Math.max(0, word.from - 6), word.from) === "kapso.";
  const all = await members();
  let text: { signature: string; doc: string } | undefined;
  if (isMember) text = all.find((member) => member.name === name);
  else if (name === "kapso")
    text = {
      signature: "const kapso: Kapso",
      doc: "The bridge to Quire: ready(), invokeFunction(), getContext() and on(\"context\").",
    };
  if (!text) return null;
  const shown = text;
  return {
    pos: word.from,
    end: word.to,
    above: true,
    create: () => ({ dom: hoverDoc(shown.signature, shown.doc) }),
  };
});

/** A signature over its documentation, for hover tooltips and completion details. */
export function hoverDoc(signature: string, doc: string): HTMLElement {
  const dom = document.createElement("div");
  dom.className = "hover-doc";
  const code = document.createElement("code");
  code.textContent = signature;
  dom.append(code);
  if (doc) {
    const text = document.createElement("p");
    text.textContent = doc;
    dom.append(text);
  }
  return dom;
}

export function kapsoAssist(): Extension {
  return [EditorState.languageData.of(() => [{ autocomplete: complete }]), hover];
}
