/** Whether the window is as narrow as a phone's (the width below which the CSS stacks too). */
import { useSyncExternalStore } from "react";

const PHONE = "(max-width: 600px)";

function subscribe(changed: () => void): () => void {
  const query = matchMedia(PHONE);
  query.addEventListener("change", changed);
  return () => query.removeEventListener("change", changed);
}

export function usePhoneWidth(): boolean {
  return useSyncExternalStore(subscribe, () => matchMedia(PHONE).matches);
}
