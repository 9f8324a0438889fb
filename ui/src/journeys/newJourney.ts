import type { JourneyDefinition } from "./definition";

/** A journey key as Baton accepts it (`^[a-z0-9][a-z0-9_-]{0,99}$`), made from its name. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|-+$/g, "")
    .replace(/-{2,}/g, "-")
    .slice(0, 100)
    .replace(/-+$/, "");
}

export const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/** A journey with no node yet: it becomes valid with its first node, which starts it. */
export function emptyJourney(key: string, name: string, event: string): JourneyDefinition {
  return { key, name, trigger: { event }, start: "", nodes: {} };
}

/** The definition with `start` naming its first node while no start was chosen. */
export function withStart(definition: JourneyDefinition): JourneyDefinition {
  const nodes = definition.nodes;
  if (definition.start !== "" || nodes === null || typeof nodes !== "object") return definition;
  const first = Object.keys(nodes)[0];
  return first === undefined ? definition : { ...definition, start: first };
}
