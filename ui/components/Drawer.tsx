/** A panel sliding in from the right, over the screen; Escape or the close button shut it. */
import { useEffect, useId, useRef, type ReactNode } from "react";

export function Drawer({
  title,
  onClose,
  children,
  actions,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  actions?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="drawer"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header className="drawer-header">
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        <div className="drawer-actions">
          {actions}
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
      </header>
      <div className="drawer-body">{children}</div>
    </dialog>
  );
}
