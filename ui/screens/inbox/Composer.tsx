/**
 * The reply box: Enter sends, Shift+Enter starts a new line. A reply shows at once as
 * "sending" and becomes the message the server stored (sent, or failed with WhatsApp's error).
 * Drafts are kept per conversation while the app is open. Disabled, with the reason, when the
 * number cannot send; a warning when the contact last wrote more than 24 hours ago, since
 * WhatsApp then refuses a free-form reply.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ApiError, errorMessage, type Conversation } from "../../api/client";
import { FormError } from "../../components/LoadError";
import { useSendReply } from "./useSendReply";

const MAX_CHARS = 4096;
const WINDOW_MS = 24 * 3600 * 1000;
/** What each conversation's reply box held when the viewer left it. */
const drafts = new Map<string, string>();

/** Errors that say the number cannot send at all (the next reply would fail alike). */
const BLOCKING = new Set(["whatsapp_no_access_token", "whatsapp_not_connected"]);

export function Composer({
  project,
  conversation,
  blocked,
  viewer,
  contactWroteAt,
  onBlocked,
}: {
  project: string;
  conversation: Conversation;
  blocked: ReactNode | null;
  /** The signed-in member's id; `null` in an embedded inbox. */
  viewer: string | null;
  contactWroteAt: number | null;
  onBlocked: (reason: string) => void;
}) {
  const [text, setText] = useState(() => drafts.get(conversation.id) ?? "");
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();

  // Another conversation: its own draft.
  const shown = useRef(conversation.id);
  useEffect(() => {
    if (shown.current === conversation.id) return;
    shown.current = conversation.id;
    setText(drafts.get(conversation.id) ?? "");
    setError(null);
  }, [conversation.id]);

  // The box grows with its text, up to a third of the screen.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, Math.round(window.innerHeight / 3))}px`;
  }, [text]);

  const send = useSendReply(project, viewer);
  const refused = (failure: unknown, body: string, sentIn: Conversation) => {
    // The reply did not go: it is the draft again, unless a new one was started.
    if (sentIn.id === shown.current) {
      setText((now) => (now.trim() === "" ? body : now));
      setError(errorMessage(failure));
    } else if (!drafts.get(sentIn.id)) {
      drafts.set(sentIn.id, body);
    }
    if (failure instanceof ApiError && (failure.status === 409 || BLOCKING.has(failure.code))) {
      onBlocked(failure.message);
    }
  };

  const update = (value: string) => {
    setText(value);
    if (value === "") drafts.delete(conversation.id);
    else drafts.set(conversation.id, value);
  };

  const body = text.trim();
  const tooLong = [...text].length > MAX_CHARS;
  const submit = () => {
    if (blocked || body === "" || tooLong) return;
    setError(null);
    const sentIn = conversation;
    send(sentIn, text, (failure, sentText) => refused(failure, sentText, sentIn));
    update("");
  };

  const windowClosed = contactWroteAt !== null && Date.now() - contactWroteAt > WINDOW_MS;
  const name = conversation.contact_name || "The contact";

  if (blocked) {
    return (
      <div className="composer composer-blocked" role="note">
        {blocked}
      </div>
    );
  }
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {windowClosed ? (
        <p className="composer-hint" id={hintId}>
          {name} last wrote more than 24 hours ago. WhatsApp only delivers template messages
          outside that window, so a reply typed here will likely fail (error 131047).
        </p>
      ) : null}
      <FormError error={error} />
      <div className="composer-row">
        <textarea
          ref={box}
          rows={1}
          aria-label={`Reply to ${conversation.contact_name || "the contact"}`}
          aria-describedby={windowClosed ? hintId : undefined}
          aria-invalid={tooLong || undefined}
          placeholder="Write a reply…"
          value={text}
          onChange={(e) => update(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" className="button button-primary" disabled={body === "" || tooLong}>
          Send
        </button>
      </div>
      <p className="composer-keys" aria-hidden="true">
        <kbd>Enter</kbd> sends · <kbd>Shift</kbd>+<kbd>Enter</kbd> adds a line
      </p>
      {tooLong ? (
        <p className="composer-count field-error">
          {[...text].length.toLocaleString()} of {MAX_CHARS.toLocaleString()} characters: WhatsApp takes at most{" "}
          {MAX_CHARS.toLocaleString()}.
        </p>
      ) : null}
    </form>
  );
}
