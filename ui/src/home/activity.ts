/** The live activity of GET /api/v1/activity/stream: one reading a second, kept for a
 * rolling minute so the Home page can draw where the rates came from. */

export type ActivityReading = { at: number; events: number; messages: number; errors: number };

/** How long the sparklines look back. */
const WINDOW_MS = 60_000;

/** A message's `data` ({"at", "events_per_second", "messages_per_second",
 * "errors_per_second"}) as a reading, or null when it is not one. */
export function parseReading(data: string): ActivityReading | null {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null) return null;
  const { at, events_per_second, messages_per_second, errors_per_second } = body as Record<string, unknown>;
  const when = typeof at === "string" ? Date.parse(at) : NaN;
  const rates = [events_per_second, messages_per_second, errors_per_second];
  if (Number.isNaN(when) || !rates.every((rate) => typeof rate === "number" && Number.isFinite(rate) && rate >= 0)) {
    return null;
  }
  const [events, messages, errors] = rates as [number, number, number];
  return { at: when, events, messages, errors };
}

/** The readings with `reading` added in time order, keeping only those of the last
 * `windowMs` before the newest; a repeat of an instant replaces the earlier one. */
export function withReading(readings: readonly ActivityReading[], reading: ActivityReading, windowMs = WINDOW_MS): ActivityReading[] {
  const merged = readings.filter((kept) => kept.at !== reading.at);
  const at = merged.findIndex((kept) => kept.at > reading.at);
  if (at === -1) merged.push(reading);
  else merged.splice(at, 0, reading);
  const newest = merged[merged.length - 1]!.at;
  return merged.filter((kept) => kept.at > newest - windowMs);
}
