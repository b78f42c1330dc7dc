/**
 * Short messages at the corner of the screen ("Saved version 4", "Published"), each with an
 * optional action (undo, open). Announced to screen readers; they leave after a few seconds.
 */
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

export interface Toast {
  tone?: "ok" | "error" | "info";
  text: string;
  action?: { label: string; run: () => void };
  /** What the toast reports on ("save"): a newer toast on the same topic replaces it, so a
   * failed save's warning leaves once the next save went well. */
  topic?: string;
}

type Shown = Toast & { id: number };

const ToastContext = createContext<(toast: Toast) => void>(() => {});

/** Shows a toast. */
export function useToast(): (toast: Toast) => void {
  return useContext(ToastContext);
}

const SHOWN_MS = 5000;

export function Toasts({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState<Shown[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setShown((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (toast: Toast) => {
      const id = next.current++;
      setShown((all) => [
        ...all.filter((t) => toast.topic === undefined || t.topic !== toast.topic).slice(-3),
        { ...toast, id },
      ]);
      setTimeout(() => dismiss(id), toast.tone === "error" ? SHOWN_MS * 2 : SHOWN_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => show, [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {shown.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.tone ?? "info"}`}>
            <span>{toast.text}</span>
            {toast.action ? (
              <button
                type="button"
                className="button button-quiet button-small"
                onClick={() => {
                  toast.action?.run();
                  dismiss(toast.id);
                }}
              >
                {toast.action.label}
              </button>
            ) : null}
            <button
              type="button"
              className="toast-close"
              aria-label="Dismiss"
              onClick={() => dismiss(toast.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
