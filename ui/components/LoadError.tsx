/** What a list shows when it could not be loaded: the reason, and a retry. */
import { errorMessage } from "../api/client";
import { Notice } from "./Notice";

export function LoadError({ title, error, retry }: { title: string; error: unknown; retry: () => void }) {
  return (
    <Notice tone="error" title={title}>
      {errorMessage(error)}{" "}
      <button type="button" className="link-button" onClick={retry}>
        Try again
      </button>
    </Notice>
  );
}

/** A form's error, announced as it appears; nothing when there is none. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {typeof error === "string" ? error : errorMessage(error)}
    </p>
  );
}
