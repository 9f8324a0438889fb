import type { JourneyInstance } from "./api";

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** The API's "why" sentences name instants in ISO 8601; people read dates
 * (`Mar 2, 2026, 9:00 AM UTC`). */
export function readableInstants(sentence: string): string {
  return sentence.replace(INSTANT, (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : `${when.format(date)} UTC`;
  });
}

/** Each journey once, in the order its newest instance comes: the journeys to explain. */
export function journeysOf(instances: readonly Pick<JourneyInstance, "journey">[]): string[] {
  return [...new Set(instances.map((instance) => instance.journey))];
}

/** Where an instance stands, in words. */
export function instanceState(instance: Pick<JourneyInstance, "status" | "node" | "waiting" | "outcome">): string {
  if (instance.status === "live") return instance.waiting ? `Waiting at ${instance.node}` : `At ${instance.node}`;
  return `Ended (${(instance.outcome ?? "done").replaceAll("_", " ")}) at ${instance.node}`;
}
