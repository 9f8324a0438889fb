/** Numbers and times as the journey pages show them. */

const whole = new Intl.NumberFormat("en");
const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export const count = (value: number | null | undefined): string => (value == null ? "–" : whole.format(value));

export const rate = (value: number | null | undefined): string => (value == null ? "–" : percent.format(value));

export const instant = (value: string | null | undefined): string => (value ? when.format(new Date(value)) : "–");

/** "3 minutes ago", "yesterday", or the date when older than a week. */
export function ago(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "–";
  const seconds = (new Date(value).getTime() - now) / 1000;
  const size = Math.abs(seconds);
  if (size < 45) return "just now";
  if (size < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (size < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  if (size < 604800) return relative.format(Math.round(seconds / 86400), "day");
  return instant(value);
}
