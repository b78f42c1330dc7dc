/**
 * Test data for the preview: the conversation the page is shown beside (the seed's shape),
 * and `vars` and `metadata`, typed in as JSON. The page gets them through `kapso.getContext()`
 * and, as they change, `kapso.on("context")`. Remembered per page in this browser.
 */
import { useEffect, useState } from "react";

export interface PreviewContext {
  conversation: Record<string, unknown> | null;
  vars: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const SAMPLE_CONVERSATION = {
  id: "conv_preview",
  phoneNumber: "+15551234567",
  whatsappContactId: "15551234567",
  whatsappConfigId: "cfg_preview",
  whatsappPhoneNumberId: "pn_preview",
  contactName: "Ada Lovelace",
};

const EMPTY: PreviewContext = { conversation: SAMPLE_CONVERSATION, vars: {}, metadata: {} };

type Field = keyof PreviewContext;

const storageKey = (project: string, page: string) => `quire.previewContext.${project}.${page}`;

function load(key: string): PreviewContext {
  try {
    const stored = localStorage.getItem(key);
    if (stored) return { ...EMPTY, ...(JSON.parse(stored) as Partial<PreviewContext>) };
  } catch {
    // unreadable: start from the sample
  }
  return EMPTY;
}

/** The preview's test context: the value in effect, and the texts being edited. */
export function usePreviewContext(project: string, page: string) {
  const key = storageKey(project, page);
  const [value, setValue] = useState<PreviewContext>(() => load(key));
  const [texts, setTexts] = useState<Record<Field, string>>(() => ({
    conversation: JSON.stringify(value.conversation, null, 2),
    vars: JSON.stringify(value.vars, null, 2),
    metadata: JSON.stringify(value.metadata, null, 2),
  }));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});

  useEffect(() => {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // storage disabled: the context lasts until reload
    }
  }, [key, value]);

  const edit = (field: Field, text: string) => {
    setTexts((all) => ({ ...all, [field]: text }));
    const problem = parseField(field, text);
    setErrors((all) => ({ ...all, [field]: problem.error }));
    if (problem.error === undefined) setValue((all) => ({ ...all, [field]: problem.value }));
  };

  return { value, texts, errors, edit };
}

function parseField(field: Field, text: string): { value?: unknown; error?: string } {
  if (field === "conversation" && text.trim() === "") return { value: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (field === "conversation" && parsed === null) return { value: null };
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      error:
        field === "conversation"
          ? "A conversation is an object like the sample, or null for none."
          : `${field} is an object: { "key": "value" }.`,
    };
  }
  return { value: parsed };
}

/** The granted context with the test data in place. */
export function mergeContext(granted: unknown, test: PreviewContext): unknown {
  if (typeof granted !== "object" || granted === null) return granted;
  const base = granted as Record<string, unknown>;
  const inner = (typeof base.context === "object" && base.context) || {};
  return {
    ...base,
    context: { ...inner, conversation: test.conversation },
    vars: test.vars,
    metadata: test.metadata,
  };
}

export function ContextPanel({ context }: { context: ReturnType<typeof usePreviewContext> }) {
  const fields: { field: Field; label: string; help: string }[] = [
    {
      field: "conversation",
      label: "Conversation",
      help: "context.conversation: the inbox conversation beside the page; null for none.",
    },
    { field: "vars", label: "vars", help: "Values the page reads as getContext().vars." },
    { field: "metadata", label: "metadata", help: "Read as getContext().metadata." },
  ];
  return (
    <div className="context-panel">
      {fields.map(({ field, label, help }) => (
        <label key={field} className="field">
          <span>{label}</span>
          <textarea
            className="mono"
            rows={field === "conversation" ? 8 : 3}
            spellCheck={false}
            value={context.texts[field]}
            aria-invalid={context.errors[field] !== undefined}
            onChange={(e) => context.edit(field, e.target.value)}
          />
          <small className={context.errors[field] ? "field-error" : "muted"}>
            {context.errors[field] ?? help}
          </small>
        </label>
      ))}
    </div>
  );
}
