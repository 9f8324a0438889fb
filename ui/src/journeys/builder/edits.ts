import type { JourneyDefinition, JourneyNode } from "../definition";
import { connect, withStart } from "./graph";
import { NODE_ID, exitsOf, freshId, newNode, setAt, type NodeType, type SendAt } from "./model";

/** Adds a step of the type. Placed after `after`, it takes that step's first free way
 * out; the first step of a journey without a start becomes the start. */
export function addNode(
  definition: JourneyDefinition,
  type: NodeType,
  after?: string | null,
): { definition: JourneyDefinition; id: string } {
  const steps = definition.nodes ?? {};
  const node = newNode(type);
  const id = freshId(Object.keys(steps), type, node);
  let next: JourneyDefinition = { ...definition, nodes: { ...steps, [id]: node } };
  const previous = after ? steps[after] : undefined;
  const free = previous ? exitsOf(previous).find((exit) => exit.target === null) : undefined;
  if (after && free) next = connect(next, after, free.path, id);
  else if (typeof definition.start !== "string" || !(definition.start in steps)) next = withStart(next, id);
  return { definition: next, id };
}

export function updateNode(definition: JourneyDefinition, id: string, node: JourneyNode): JourneyDefinition {
  return { ...definition, nodes: { ...(definition.nodes ?? {}), [id]: node } };
}

/** Sets (or with undefined removes) a field of a step, at a path such as `cases.0.when`. */
export function updateNodeField(definition: JourneyDefinition, id: string, path: string, value: unknown): JourneyDefinition {
  const node = definition.nodes?.[id];
  return node ? updateNode(definition, id, setAt(node, path.split("."), value)) : definition;
}

/** Why the id cannot name a step, or null when it can. */
export function idProblem(definition: JourneyDefinition, id: string, current: string): string | null {
  if (!NODE_ID.test(id)) return "Start with a letter, then use letters, digits, _ or -";
  if (id !== current && definition.nodes && id in definition.nodes) return `Another step is called ${id}`;
  return null;
}

/** Renames a step where it stands, and every reference to it. */
export function renameNode(definition: JourneyDefinition, from: string, to: string): JourneyDefinition {
  const steps = definition.nodes ?? {};
  if (from === to || !(from in steps) || to in steps) return definition;
  const renamed: Record<string, JourneyNode> = {};
  for (const [id, node] of Object.entries(steps)) {
    let moved = node;
    for (const exit of exitsOf(node)) {
      if (exit.target === from) moved = setAt(moved, exit.path.split("."), to);
    }
    renamed[id === from ? to : id] = moved;
  }
  const next = { ...definition, nodes: renamed };
  return definition.start === from ? { ...next, start: to } : next;
}

/** A message sent now or at each person's best time. Sent now, it loses the longest wait
 * and the holdout, which Baton refuses without best time; back to best time, it keeps
 * whatever else it has. */
export function withSendAt(node: JourneyNode, sendAt: SendAt): JourneyNode {
  if (sendAt === "best_time") return setAt(node, ["send_at"], sendAt);
  const { send_at: _at, max_delay: _delay, holdout: _holdout, ...rest } = node;
  return rest;
}
