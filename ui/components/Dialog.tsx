/**
 * A modal dialog on the browser's own `<dialog>`: focus moves into it and back, Escape
 * closes it, and the rest of the app is inert while it is open.
 */
import { useEffect, useId, useRef, type ReactNode } from "react";

export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
  wide,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // showModal focuses the first focusable element, the close button; a form's first
      // field is where typing belongs.
      dialog.querySelector<HTMLElement>(".dialog-body :is(input, select, textarea):not([readonly])")?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={wide ? "dialog dialog-wide" : "dialog"}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <header className="dialog-header">
            <h2 id={titleId} className="dialog-title">
              {title}
            </h2>
            <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
              ×
            </button>
          </header>
          <div className="dialog-body">{children}</div>
          {footer ? <footer className="dialog-footer">{footer}</footer> : null}
        </>
      ) : null}
    </dialog>
  );
}

/** Asks before something that cannot be undone; says what will be lost. */
export function Confirm({
  open,
  title,
  children,
  confirm,
  danger,
  busy,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? "button button-danger" : "button button-primary"}
            disabled={busy}
            onClick={onConfirm}
          >
            {confirm}
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}

/** A form dialog's footer: Cancel, and the button that submits the form `form`. */
export function FormButtons({
  form,
  label,
  busyLabel,
  busy,
  onCancel,
  cancelLabel = "Cancel",
}: {
  form: string;
  label: string;
  busyLabel: string;
  busy: boolean;
  onCancel: () => void;
  /** "Done" once the dialog's work is done and closing loses nothing. */
  cancelLabel?: string;
}) {
  return (
    <>
      <button type="button" className="button" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button type="submit" form={form} className="button button-primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
