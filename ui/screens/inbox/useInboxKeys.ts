/**
 * The inbox's keys: j/k (and the arrows while the list has focus) move through the
 * conversations, Enter opens the focused one (it is a link), `/` goes to the search, Escape
 * goes back one step (details → thread → list). Typing in a field is left alone, except that
 * Escape leaves it; an open dialog keeps its own keys.
 */
import { useEffect, useRef } from "react";

export interface InboxKeys {
  /** Moves the list's focus by `step` rows. */
  move: (step: 1 | -1) => void;
  /** Focuses the search field. */
  search: () => void;
  /** One step back; false when there is nowhere to go. */
  back: () => boolean;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

export function useInboxKeys(keys: InboxKeys) {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (document.querySelector("dialog[open]")) return;
      const target = event.target;
      if (event.key === "Escape") {
        if (typing(target)) {
          // Leaving the field is the first step back; the search field clears itself first.
          (target as HTMLElement).blur();
          event.preventDefault();
          return;
        }
        if (latest.current.back()) event.preventDefault();
        return;
      }
      if (typing(target)) return;
      const inList = target instanceof HTMLElement && target.closest(".conv-list") !== null;
      if (event.key === "j" || (inList && event.key === "ArrowDown")) {
        event.preventDefault();
        latest.current.move(1);
      } else if (event.key === "k" || (inList && event.key === "ArrowUp")) {
        event.preventDefault();
        latest.current.move(-1);
      } else if (event.key === "/") {
        event.preventDefault();
        latest.current.search();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
