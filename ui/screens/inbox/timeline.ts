/**
 * A thread's messages as the thread shows them: oldest first, a separator at each new day,
 * reactions folded into the message they react to (the latest reaction of each side, a
 * removed one gone), and a reaction to a message that is not loaded as a line of its own.
 */
import type { Message } from "../../api/client";
import { dayKey, dayLabel } from "./format";

export interface Reaction {
  emoji: string;
  direction: string;
}

export type TimelineItem =
  | { kind: "day"; key: string; label: string }
  | { kind: "message"; key: string; message: Message; reactions: Reaction[]; quoted: Message | null; runStart: boolean }
  | { kind: "reaction"; key: string; message: Message };

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Messages of one side within this long of each other read as one run (one sender label). */
const RUN_GAP_MS = 5 * 60 * 1000;

/** `newestFirst` (as the API pages them) arranged for the thread. */
export function timeline(newestFirst: Message[], now = new Date()): TimelineItem[] {
  const messages = [...newestFirst].reverse();
  const byWamid = new Map<string, Message>();
  for (const message of messages) if (message.wamid) byWamid.set(message.wamid, message);

  // The latest reaction of each side to each message; an empty one takes it back.
  const reactions = new Map<string, Map<string, string>>();
  const orphans = new Set<Message>();
  for (const message of messages) {
    if (message.type !== "reaction") continue;
    const target = asRecord(message.data).message_id;
    if (typeof target !== "string" || !byWamid.has(target)) {
      if (message.body) orphans.add(message);
      continue;
    }
    const sides = reactions.get(target) ?? new Map<string, string>();
    if (message.body) sides.set(message.direction, message.body);
    else sides.delete(message.direction);
    reactions.set(target, sides);
  }

  const items: TimelineItem[] = [];
  let lastDay = "";
  let previous: Message | null = null;
  for (const message of messages) {
    if (message.type === "reaction" && !orphans.has(message)) continue;
    const date = new Date(message.created_at);
    const day = dayKey(date);
    if (day !== lastDay) {
      items.push({ kind: "day", key: `day-${day}`, label: dayLabel(date, now) });
      lastDay = day;
      previous = null;
    }
    if (message.type === "reaction") {
      items.push({ kind: "reaction", key: message.id, message });
      continue;
    }
    const quotedId = asRecord(asRecord(message.data).context).id;
    const runStart =
      previous === null ||
      previous.direction !== message.direction ||
      previous.sent_by !== message.sent_by ||
      date.getTime() - new Date(previous.created_at).getTime() > RUN_GAP_MS;
    items.push({
      kind: "message",
      key: message.id,
      message,
      reactions: message.wamid
        ? [...(reactions.get(message.wamid) ?? new Map()).entries()].map(([direction, emoji]) => ({ direction, emoji }))
        : [],
      quoted: typeof quotedId === "string" ? (byWamid.get(quotedId) ?? null) : null,
      runStart,
    });
    previous = message;
  }
  return items;
}

/** When the contact last wrote, from the loaded messages (null when none is loaded). */
export function lastInboundAt(newestFirst: Message[]): number | null {
  const found = newestFirst.find((m) => m.direction === "inbound" && m.type !== "system");
  return found ? new Date(found.created_at).getTime() : null;
}
