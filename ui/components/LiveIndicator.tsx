/**
 * The state of a project's live connection, small: a dot and a word ("Live", "Connecting…",
 * "Offline"), with what it means on hover. Screens that update from the event stream show it,
 * so a person knows whether what they see is current.
 */
import type { LiveState } from "../api/events";

const LABEL: Record<LiveState, string> = {
  live: "Live",
  connecting: "Connecting…",
  offline: "Offline",
};

const MEANING: Record<LiveState, string> = {
  live: "Changes appear as they happen.",
  connecting: "Connecting for live changes…",
  offline: "Live changes are paused; retrying. What you see may be out of date.",
};

export function LiveIndicator({ state }: { state: LiveState }) {
  return (
    <span className={`live-indicator live-${state}`} role="status" title={MEANING[state]}>
      <span className="live-dot" aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
