/** Dates and instants as the Home, analytics and settings pages show them. */

const day = new Intl.DateTimeFormat("en", { day: "numeric", month: "short", timeZone: "UTC" });
const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** A calendar day of the API ("2026-11-06", UTC) as "6 Nov". */
export function formatDay(date: string): string {
  const parsed = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);
  return Number.isNaN(parsed) ? date : day.format(parsed);
}

/** An instant as "6 Dec 2026, 13:24" in the reader's time zone; "–" for none. */
export function formatInstant(value: string | null | undefined): string {
  if (!value) return "–";
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? value : when.format(parsed);
}

/** "just now", "5 minutes ago", "yesterday"; the instant itself after a week. */
export function timeAgo(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "–";
  const seconds = (Date.parse(value) - now) / 1000;
  if (Number.isNaN(seconds)) return value;
  const size = Math.abs(seconds);
  if (size < 45) return "just now";
  if (size < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (size < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  if (size < 604_800) return relative.format(Math.round(seconds / 86_400), "day");
  return formatInstant(value);
}
