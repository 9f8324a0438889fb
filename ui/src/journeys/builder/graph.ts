import type { JourneyDefinition, JourneyNode } from "../definition";
import { exitsOf, setAt } from "./model";
import type { FlowEdge, FlowNode } from "./types";

/** The trigger's node on the canvas; node ids start with a letter, so this one is free. */
export const TRIGGER_ID = "@trigger";
/** The trigger's handle: connecting it to a node makes that node the `start`. */
export const START_HANDLE = "start";

export type Graph = { nodes: FlowNode[]; edges: FlowEdge[] };

/** The canvas graph of a definition: the trigger, a node per step, an edge per field that
 * names a step (`next`, `timeout_next`, a case's, an arm's, an event's, `default`). Edges
 * to steps that do not exist are kept, marked `dangling`, so that no reference is lost. */
export function toGraph(definition: JourneyDefinition): Graph {
  const steps = definition.nodes ?? {};
  const nodes: FlowNode[] = [
    { id: TRIGGER_ID, type: "trigger", position: { x: 0, y: 0 }, data: { definition }, deletable: false },
  ];
  const edges: FlowEdge[] = [];
  const edge = (source: string, handle: string, target: string, label: string): FlowEdge => ({
    id: edgeId(source, handle),
    source,
    sourceHandle: handle,
    target,
    label: label || undefined,
    data: target in steps ? {} : { dangling: true },
  });
  if (typeof definition.start === "string") edges.push(edge(TRIGGER_ID, START_HANDLE, definition.start, ""));
  for (const [id, node] of Object.entries(steps)) {
    nodes.push({ id, type: "step", position: { x: 0, y: 0 }, data: { node, start: id === definition.start } });
    for (const exit of exitsOf(node)) {
      if (exit.target !== null) edges.push(edge(id, exit.path, exit.target, exit.label === "next" ? "" : exit.label));
    }
  }
  return { nodes, edges };
}

export function edgeId(source: string, handle: string): string {
  return `${source}→${handle}`;
}

/** The definition the graph draws: its steps in the graph's order, each field that names
 * a step set from the edges (cleared where no edge is left), everything else as it was. */
export function fromGraph(definition: JourneyDefinition, nodes: readonly FlowNode[], edges: readonly FlowEdge[]): JourneyDefinition {
  const targets = new Map(edges.map((e) => [edgeId(e.source, e.sourceHandle ?? ""), e.target]));
  const steps: Record<string, JourneyNode> = {};
  for (const flowNode of nodes) {
    if (flowNode.type !== "step") continue;
    let node = flowNode.data.node;
    for (const exit of exitsOf(node)) {
      const target = targets.get(edgeId(flowNode.id, exit.path)) ?? null;
      if (target !== exit.target) node = setAt(node, exit.path.split("."), target ?? undefined);
    }
    steps[flowNode.id] = node;
  }
  const start = targets.get(edgeId(TRIGGER_ID, START_HANDLE));
  const next = "nodes" in definition || Object.keys(steps).length > 0 ? { ...definition, nodes: steps } : definition;
  return withStart(next, start);
}

/** The definition starting at `start` (none when undefined); a new `start` goes before `nodes`. */
export function withStart(definition: JourneyDefinition, start: string | undefined): JourneyDefinition {
  if (start === undefined) return setAt(definition, ["start"], undefined);
  if ("start" in definition || !("nodes" in definition)) return { ...definition, start };
  const entries = Object.entries(definition);
  entries.splice(Object.keys(definition).indexOf("nodes"), 0, ["start", start]);
  return Object.fromEntries(entries) as JourneyDefinition;
}

/** Connects a node's handle to a target: the field the handle stands for names it. */
export function connect(definition: JourneyDefinition, source: string, handle: string, target: string): JourneyDefinition {
  const graph = toGraph(definition);
  const id = edgeId(source, handle);
  const edges = [...graph.edges.filter((e) => e.id !== id), { id, source, sourceHandle: handle, target }];
  return fromGraph(definition, graph.nodes, edges);
}

/** Points a node's field at a step, or clears it (null). */
export function setExit(definition: JourneyDefinition, source: string, handle: string, target: string | null): JourneyDefinition {
  return target === null ? removeElements(definition, [], [edgeId(source, handle)]) : connect(definition, source, handle, target);
}

/** Removes steps (and every reference to them) and edges (clearing their fields). */
export function removeElements(definition: JourneyDefinition, nodeIds: Iterable<string>, edgeIds: Iterable<string>): JourneyDefinition {
  const graph = toGraph(definition);
  const gone = new Set(nodeIds);
  gone.delete(TRIGGER_ID);
  const cut = new Set(edgeIds);
  return fromGraph(
    definition,
    graph.nodes.filter((n) => !gone.has(n.id)),
    graph.edges.filter((e) => !cut.has(e.id) && !gone.has(e.source) && !gone.has(e.target)),
  );
}
