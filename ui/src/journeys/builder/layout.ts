import dagre from "@dagrejs/dagre";
import type { XYPosition } from "@xyflow/react";

export const NODE_WIDTH = 260;
export const NODE_HEIGHT = 112;
const TRIGGER_HEIGHT = 128;

export type Positions = Record<string, XYPosition>;

/** Top-to-bottom positions (top-left corners) for every node, by dagre. */
export function layout(nodeIds: readonly string[], edges: readonly { source: string; target: string }[], tallIds: ReadonlySet<string> = new Set()): Positions {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  // Ranks far enough apart for the labels under a card's ways out (LabelledEdge, two rows)
  // to sit in the gap, clear of the next card's arrows.
  graph.setGraph({ rankdir: "TB", nodesep: 48, ranksep: 88, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of nodeIds) graph.setNode(id, { width: NODE_WIDTH, height: tallIds.has(id) ? TRIGGER_HEIGHT : NODE_HEIGHT });
  edges.forEach((edge, i) => {
    if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target, {}, String(i));
  });
  dagre.layout(graph);
  const positions: Positions = {};
  for (const id of nodeIds) {
    const { x, y, width, height } = graph.node(id);
    positions[id] = { x: Math.round(x - width / 2), y: Math.round(y - height / 2) };
  }
  return positions;
}

type Box = { x: number; y: number; width: number; height: number };
const GAP = 24;

/** The first place from `wanted` rightwards where a new node overlaps none of `taken`. */
export function freeSpot(wanted: XYPosition, taken: readonly Box[]): XYPosition {
  const overlaps = (at: XYPosition) =>
    taken.some((box) => at.x < box.x + box.width + GAP && at.x + NODE_WIDTH + GAP > box.x && at.y < box.y + box.height + GAP && at.y + NODE_HEIGHT + GAP > box.y);
  let spot = wanted;
  for (let tries = 0; tries < 100 && overlaps(spot); tries++) spot = { x: spot.x + NODE_WIDTH + 2 * GAP, y: spot.y };
  return spot;
}

const STORE = "baton.journey-positions.";

/** Where people moved the nodes of a journey, kept in this browser only. */
export function loadPositions(journeyKey: string): Positions {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(STORE + journeyKey) ?? "{}");
    if (typeof stored !== "object" || stored === null) return {};
    const positions: Positions = {};
    for (const [id, value] of Object.entries(stored)) {
      const x: unknown = value?.x;
      const y: unknown = value?.y;
      if (typeof x === "number" && typeof y === "number") positions[id] = { x, y };
    }
    return positions;
  } catch {
    return {};
  }
}

export function savePositions(journeyKey: string, positions: Positions | null): void {
  try {
    if (positions === null) localStorage.removeItem(STORE + journeyKey);
    else localStorage.setItem(STORE + journeyKey, JSON.stringify(positions));
  } catch {
    // Storage full or refused (private browsing): positions then last for the visit.
  }
}
