/**
 * Whether a page console is open, remembered per browser like a developer tool's drawer: the
 * dashboard's and the studio's each under their own key, each with its own first state.
 */
import { useCallback, useState } from "react";

export function useConsoleOpen(key: string, openAtFirst: boolean): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(() => {
    try {
      const stored = localStorage.getItem(key);
      return stored === null ? openAtFirst : stored === "open";
    } catch {
      return openAtFirst;
    }
  });
  const show = useCallback(
    (next: boolean) => {
      setOpen(next);
      try {
        localStorage.setItem(key, next ? "open" : "closed");
      } catch {
        // storage disabled: the console starts as at first next time
      }
    },
    [key],
  );
  return [open, show];
}
