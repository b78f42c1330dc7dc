/**
 * How the inbox writes people, numbers and times: a contact's name (or what stands in for it),
 * phone numbers as `+<digits>` in groups, compact times for the list and day labels for the
 * thread. Dates are the viewer's local ones.
 */
import type { Conversation } from "../../api/client";

/** `14155550123` → `+1 415 555 0123`-ish: a plus, then the digits in readable groups. */
export function formatPhone(number: string | null | undefined): string {
  if (!number) return "";
  const digits = number.replace(/[^\d]/g, "");
  if (digits.length < 8 || digits.length > 15) return number;
  // The country code cannot be known without a numbering plan: group from the end, 4-3-3-…,
  // which reads well for most plans and never changes a digit.
  const groups: string[] = [];
  let rest = digits;
  for (const size of [4, 3, 3]) {
    if (rest.length <= size) break;
    groups.unshift(rest.slice(-size));
    rest = rest.slice(0, -size);
  }
  groups.unshift(rest);
  return `+${groups.join(" ")}`;
}

/** The name the inbox shows for a conversation's contact. */
export function contactName(conversation: Conversation): string {
  return (
    conversation.contact_name?.trim() ||
    conversation.username ||
    formatPhone(conversation.phone_number) ||
    conversation.whatsapp_contact_id
  );
}

/** What identifies the contact under their name: their number, else their username or id. */
export function contactHandle(conversation: Conversation): string {
  if (conversation.phone_number) return formatPhone(conversation.phone_number);
  return conversation.username ?? conversation.business_user_id ?? conversation.whatsapp_contact_id;
}

/** Up to two letters for an avatar. */
export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return "#";
  const first = [...words[0]][0] ?? "";
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** One of eight avatar hues, the same for the same contact every time. */
export function hueOf(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) hash = (hash * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(hash) % 8;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const longWeekday = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const fullDate = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
});
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

const DAY_MS = 24 * 3600 * 1000;

/** Whole days between `date`'s day and today's (0 today, 1 yesterday). */
function daysAgo(date: Date, now: Date): number {
  return Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
}

/** The list's time: the clock today, "Yesterday", the weekday this week, else the date. */
export function listTime(at: string, now = new Date()): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return "";
  const days = daysAgo(date, now);
  if (days <= 0) return clock.format(date);
  if (days === 1) return "Yesterday";
  if (days < 7) return weekday.format(date);
  if (date.getFullYear() === now.getFullYear()) return dayMonth.format(date);
  return date.toLocaleDateString();
}

/** A thread's day separator: "Today", "Yesterday", the weekday this week, else the date. */
export function dayLabel(date: Date, now = new Date()): string {
  const days = daysAgo(date, now);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days < 7) return longWeekday.format(date);
  return fullDate.format(date);
}

/** A key that is the same for two times of the same local day. */
export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function clockTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? "" : clock.format(date);
}

export function exactTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : exact.format(date);
}

const counter = new Intl.NumberFormat();

/** An unread count for a badge: "99+" past 99. */
export function unreadLabel(count: number): string {
  return count > 99 ? "99+" : counter.format(count);
}
