import type { JourneyDefinition } from "./definition";

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
