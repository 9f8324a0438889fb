/** Numbers, days and instants as every page shows them; "–" stands for no value. */

const whole = new Intl.NumberFormat("en");
const short = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
const day = new Intl.DateTimeFormat("en", { day: "numeric", month: "short", timeZone: "UTC" });
const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** 12345 → "12,345". */
export const formatCount = (value: number | null | undefined): string => (value == null ? "–" : whole.format(value));

/** 12345 → "12.3K", where room is short (node cards, chart axes). */
export const formatCompact = (value: number): string => short.format(value);

/** 0.125 → "12.5%". */
export const formatRate = (value: number | null | undefined): string => (value == null ? "–" : percent.format(value));

/** A calendar day of the API ("2026-11-06", UTC) as "Nov 6". */
export function formatDay(date: string): string {
  const parsed = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);
  return Number.isNaN(parsed) ? date : day.format(parsed);
}

/** An instant as "Dec 6, 2026, 1:24 PM" in the reader's time zone. */
export function formatInstant(value: string | null | undefined): string {
  if (!value) return "–";
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? value : when.format(parsed);
}

// Each unit of timeAgo, from how many seconds on it is used.
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["week", 7 * 86_400],
  ["day", 86_400],
  ["hour", 3600],
  ["minute", 60],
];

/** "just now", "5 minutes ago", "yesterday", "3 weeks ago", "last year", "in 3 hours":
 * always relative, so that a column reads alike; show formatInstant beside it (a title). */
export function timeAgo(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "–";
  const seconds = (Date.parse(value) - now) / 1000;
  if (Number.isNaN(seconds)) return value;
  if (Math.abs(seconds) < 45) return "just now";
  const [unit, size] = UNITS.find(([, length]) => Math.abs(seconds) >= length) ?? ["minute", 60];
  return relative.format(Math.round(seconds / size), unit);
}
