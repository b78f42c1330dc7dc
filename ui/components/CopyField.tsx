/** A secret or link shown once: read-only, selected on focus, with a button that copies it. */
import { useId, useState } from "react";

export function CopyField({ label, value, note }: { label: string; value: string; note?: string }) {
  const [copied, setCopied] = useState(false);
  // Several on one screen (a connection's webhook URL and verify token) need ids of their own.
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field">
        <input
          id={id}
          className="mono"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby={note ? `${id}-note` : undefined}
        />
        <button type="button" className="button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      {note ? (
        <small id={`${id}-note`} className="muted">
          {note}
        </small>
      ) : null}
      <span className="visually-hidden" role="status">
        {copied ? "Copied to the clipboard" : ""}
      </span>
    </div>
  );
}
