/**
 * How the inbox writes people, numbers and times: a contact's name (or what stands in for it),
 * phone numbers as `+<digits>` in groups, compact times for the list and day labels for the
 * thread. Dates are the viewer's local ones.
 */
import type { Conversation } from "../../api/client";

/**
 * The two-digit country calling codes (ITU-T E.164). Calling codes are prefix-free: a number
 * starting with 1 or 7 has a one-digit code, one starting with one of these a two-digit code,
 * any other a three-digit code.
 */
const TWO_DIGIT_CODES = new Set(
  "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split(" "),
);

/** How national numbers of a length are grouped: a few countries' own ways, else a default. */
const GROUPS: Record<string, Record<number, number[]>> = {
  "": { 8: [4, 4], 9: [3, 3, 3], 10: [3, 3, 4], 11: [3, 4, 4], 12: [4, 4, 4] },
  "33": { 9: [1, 2, 2, 2, 2] },
  "44": { 10: [4, 6] },
  "52": { 10: [2, 4, 4] },
  "55": { 10: [2, 4, 4], 11: [2, 5, 4] },
  "81": { 10: [2, 4, 4] },
  "91": { 10: [5, 5] },
};

/** The national number in groups that read well in its country, or in most. */
function groupNational(code: string, digits: string): string {
  const plan = GROUPS[code]?.[digits.length] ?? GROUPS[""][digits.length];
  if (!plan) return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
  const groups: string[] = [];
  let at = 0;
  for (const size of plan) {
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  return groups.join(" ");
}

/** `14155550123` → `+1 415 555 0123`: the country code, then the national number in groups. */
export function formatPhone(number: string | null | undefined): string {
  if (!number) return "";
  const digits = number.replace(/[^\d]/g, "");
  if (digits.length < 8 || digits.length > 15) return number;
  const codeLength = /^[17]/.test(digits) ? 1 : TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  const code = digits.slice(0, codeLength);
  return `+${code} ${groupNational(code, digits.slice(codeLength))}`;
}

/**
 * Who wrote a reply: "You" for the viewer, a member by name, an embedded inbox by its name,
 * "Team" for Quire's own (the demo's history). `names` is null while the members are not
 * known (an embedded inbox never knows them): a member is "Team" then.
 */
export function replyAuthor(
  reply: { sent_by?: string | null; sent_via?: string | null },
  names: Map<string, string> | null,
  viewer: string | null,
): string {
  if (reply.sent_by) {
    if (reply.sent_by === viewer) return "You";
    return names === null ? "Team" : (names.get(reply.sent_by) ?? "A former member");
  }
  return reply.sent_via ?? "Team";
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

/**
 * Up to two letters for an avatar: the first and last words' initials ("Maria Lopez" → ML),
 * words of letters only ("Customer 01" → C); a name without letters keeps its first character.
 */
export function initials(name: string): string {
  const words = name
    .replace(/[^\p{L}\s]/gu, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return [...name.replace(/[\s+@]/g, "")][0] ?? "#";
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
