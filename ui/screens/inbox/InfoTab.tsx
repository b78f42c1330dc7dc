/**
 * The Info tab: who the contact is (name, username, number, WhatsApp's ids), on which of the
 * project's numbers, since when, and the conversation's metadata — free JSON that pages get as
 * `metadata`, edited here by owners and admins (checked as you type: an object of at most
 * 16 KiB).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { api, errorMessage, unwrap, type Connection, type Conversation } from "../../api/client";
import { RelativeTime } from "../../components/RelativeTime";
import { useToast } from "../../components/Toasts";
import { storeConversation } from "./cache";
import { formatPhone } from "./format";
import { icons } from "./icons";

const MAX_METADATA_BYTES = 16 * 1024;

function pretty(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}

/** What is wrong with `text` as metadata, or null. */
export function metadataProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "Metadata must be a JSON object, like {\"plan\": \"pro\"}.";
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > MAX_METADATA_BYTES) {
    return `Metadata is ${bytes.toLocaleString()} bytes; at most ${MAX_METADATA_BYTES.toLocaleString()} are kept.`;
  }
  return null;
}

export function InfoTab({
  project,
  conversation,
  connection,
  editor,
}: {
  project: string;
  conversation: Conversation;
  /** The conversation's number's connection, as owners and admins see it. */
  connection: Connection | undefined;
  editor: boolean;
}) {
  return (
    <div className="info">
      <section aria-labelledby="info-contact">
        <h3 id="info-contact" className="info-heading">
          Contact
        </h3>
        <dl className="info-list">
          <Row label="Name" value={conversation.contact_name} />
          <Row label="Username" value={conversation.username} />
          <Row label="Phone" value={conversation.phone_number ? formatPhone(conversation.phone_number) : null} copy={conversation.phone_number} />
          <Row label="WhatsApp id" value={conversation.whatsapp_contact_id} mono copy={conversation.whatsapp_contact_id} />
          {conversation.business_user_id && conversation.business_user_id !== conversation.whatsapp_contact_id ? (
            <Row label="Business-scoped id" value={conversation.business_user_id} mono />
          ) : null}
        </dl>
      </section>
      <section aria-labelledby="info-number">
        <h3 id="info-number" className="info-heading">
          Business number
        </h3>
        <dl className="info-list">
          {connection ? <Row label="Connection" value={connection.name} /> : null}
          <Row
            label="Number"
            value={conversation.display_phone_number ? formatPhone(conversation.display_phone_number) : null}
          />
          <Row label="Phone number id" value={conversation.whatsapp_phone_number_id} mono />
          {conversation.whatsapp_config_id === null ? (
            <div className="info-row">
              <dt>State</dt>
              <dd className="field-error">No longer connected to this project</dd>
            </div>
          ) : null}
        </dl>
      </section>
      <section aria-labelledby="info-activity">
        <h3 id="info-activity" className="info-heading">
          Activity
        </h3>
        <dl className="info-list">
          <div className="info-row">
            <dt>First message</dt>
            <dd>
              <RelativeTime at={conversation.created_at} />
            </dd>
          </div>
          <div className="info-row">
            <dt>Last message</dt>
            <dd>
              <RelativeTime at={conversation.last_message_at} />
            </dd>
          </div>
        </dl>
      </section>
      <Metadata project={project} conversation={conversation} editor={editor} />
    </div>
  );
}

function Row({
  label,
  value,
  mono,
  copy,
}: {
  label: string;
  value: string | null | undefined;
  mono?: boolean;
  copy?: string | null;
}) {
  if (!value) return null;
  return (
    <div className="info-row">
      <dt>{label}</dt>
      <dd className={mono ? "mono" : undefined}>
        {value}
        {copy ? <CopyButton value={copy} label={`Copy ${label.toLowerCase()}`} /> : null}
      </dd>
    </div>
  );
}

function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="icon-button info-copy"
      aria-label={label}
      title={copied ? "Copied" : label}
      onClick={() => {
        navigator.clipboard.writeText(value).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => setCopied(false),
        );
      }}
    >
      {copied ? "✓" : icons.copy}
    </button>
  );
}

function Metadata({ project, conversation, editor }: { project: string; conversation: Conversation; editor: boolean }) {
  const client = useQueryClient();
  const toast = useToast();
  const saved = pretty(conversation.metadata);
  const [text, setText] = useState(saved);
  const [editing, setEditing] = useState(false);
  const fieldId = useId();
  const problemId = useId();

  // Another conversation, or the metadata changed elsewhere while not being edited.
  useEffect(() => {
    if (!editing) setText(saved);
  }, [saved, editing, conversation.id]);
  useEffect(() => setEditing(false), [conversation.id]);

  const save = useMutation({
    mutationFn: (metadata: Record<string, unknown>) =>
      unwrap(
        api.PATCH("/api/v1/projects/{p}/conversations/{c}", {
          params: { path: { p: project, c: conversation.id } },
          body: { metadata },
        }),
      ),
    onSuccess: (updated) => {
      storeConversation(client, project, updated);
      setEditing(false);
      toast({ tone: "ok", text: "Metadata saved" });
    },
  });

  const problem = editing ? metadataProblem(text) : null;
  const empty = saved === "{}";
  return (
    <section aria-labelledby="info-metadata">
      <div className="info-heading-row">
        <h3 id="info-metadata" className="info-heading">
          Metadata
        </h3>
        {editor && !editing ? (
          <button type="button" className="button button-quiet button-small" onClick={() => setEditing(true)}>
            Edit
          </button>
        ) : null}
      </div>
      <p className="muted small info-note">
        Free JSON kept with the conversation; the Page tab's page reads it as <code>metadata</code>.
      </p>
      {editing ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (problem) return;
            save.mutate(JSON.parse(text) as Record<string, unknown>);
          }}
        >
          <div className="field">
            <label htmlFor={fieldId} className="visually-hidden">
              Metadata (JSON)
            </label>
            <textarea
              id={fieldId}
              className="mono metadata-editor"
              rows={Math.min(16, Math.max(5, text.split("\n").length + 1))}
              spellCheck={false}
              value={text}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? problemId : undefined}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
                  e.preventDefault();
                  if (!problem) save.mutate(JSON.parse(text) as Record<string, unknown>);
                }
                if (e.key === "Escape") {
                  e.preventDefault();
                  e.stopPropagation();
                  setEditing(false);
                  setText(saved);
                }
              }}
            />
            {problem ? (
              <small id={problemId} className="field-error" role="alert">
                {problem}
              </small>
            ) : null}
          </div>
          {save.isError ? <p className="form-error">{errorMessage(save.error)}</p> : null}
          <div className="form-actions">
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setEditing(false);
                setText(saved);
                save.reset();
              }}
            >
              Cancel
            </button>
            <button type="submit" className="button button-primary button-small" disabled={Boolean(problem) || save.isPending}>
              {save.isPending ? "Saving…" : "Save"}
            </button>
          </div>
        </form>
      ) : empty ? (
        <p className="muted small">
          None yet.{editor ? " Add facts a page should know, such as a customer id." : ""}
        </p>
      ) : (
        <pre className="metadata-view">{saved}</pre>
      )}
    </section>
  );
}
