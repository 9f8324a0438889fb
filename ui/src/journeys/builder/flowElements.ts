import { MarkerType } from "@xyflow/react";
import { TRIGGER_ID, type Graph } from "./graph";
import type { JourneyNode } from "../definition";
import { NODE_WIDTH, type Positions } from "./layout";
import { exitsOf, summarize, typeLabel } from "./model";
import type { NodeCounts, NodeHighlight, FlowEdge, FlowNode, Problem } from "./types";

type Decorations = {
  positions: Positions;
  problems: ReadonlyMap<string, string[]>;
  counts?: Record<string, NodeCounts>;
  highlight?: Record<string, NodeHighlight>;
  editable: boolean;
};

/** Problems by the node they belong to: `nodes.email.next` to `email`, anything not about
 * a step (`trigger`, `start`, `goal`...) to the trigger. */
export function problemsByNode(problems: readonly Problem[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const problem of problems) {
    const match = /^nodes\.([^.]+)/.exec(problem.field);
    const id = match?.[1] ?? TRIGGER_ID;
    found.set(id, [...(found.get(id) ?? []), problem.message]);
  }
  return found;
}

/** The graph's nodes as React Flow draws them: placed, with their problems and counts. */
export function decorateNodes(graph: Graph, decorations: Decorations): FlowNode[] {
  const { positions, problems, counts, highlight, editable } = decorations;
  const drawn = graph.edges.filter((edge) => !edge.data?.dangling);
  return graph.nodes.map((node): FlowNode => {
    const common = {
      position: positions[node.id] ?? { x: 0, y: 0 },
      draggable: editable,
      deletable: editable && node.type === "step",
      domAttributes: { "data-testid": node.type === "step" ? `node-${node.id}` : "node-trigger" } as FlowNode["domAttributes"],
    };
    if (node.type === "trigger") {
      return { ...node, ...common, ariaLabel: "Trigger and journey settings", data: { ...node.data, problems: problems.get(TRIGGER_ID) } };
    }
    const step = node.data.node;
    const trouble = problems.get(node.id);
    return {
      ...node,
      ...common,
      ariaLabel: `${typeLabel(step.type)} ${node.id}: ${summarize(step)}${trouble ? `. To fix: ${trouble.join("; ")}` : ""}`,
      data: {
        ...node.data,
        connected: drawn.filter((edge) => edge.source === node.id).map((edge) => edge.sourceHandle ?? ""),
        problems: trouble,
        counts: counts?.[node.id],
        highlight: highlight?.[node.id],
      },
    };
  });
}

// A label's width, near enough to keep labels apart: 11 px text, its padding and border
// (builder.css, .jb-edge-label) and a little room between two.
const LABEL_CHARACTER = 6.2;
const LABEL_EXTRA = 20;

/** The row (0 just under the card) of each labelled way out of a step, by its path: the
 * first row where its label, centred under its handle, runs into no label placed before it. */
export function labelRows(node: JourneyNode, labelled: ReadonlySet<string>): Map<string, number> {
  const exits = exitsOf(node);
  const ends: number[] = [];
  const rows = new Map<string, number>();
  exits.forEach((exit, i) => {
    if (!labelled.has(exit.path)) return;
    const centre = ((i + 1) / (exits.length + 1)) * NODE_WIDTH;
    const half = (exit.label.length * LABEL_CHARACTER + LABEL_EXTRA) / 2;
    const free = ends.findIndex((end) => end <= centre - half);
    const row = free === -1 ? ends.length : free;
    ends[row] = centre + half;
    rows.set(exit.path, row);
  });
  return rows;
}

/** The graph's edges as React Flow draws them (LabelledEdge); those to missing steps are left out. */
export function decorateEdges(graph: Graph, editable: boolean): FlowEdge[] {
  const drawn = graph.edges.filter((edge) => !edge.data?.dangling);
  const rows = new Map(
    graph.nodes.flatMap((node) => {
      if (node.type !== "step") return [];
      const labelled = new Set(drawn.filter((edge) => edge.source === node.id && edge.label).map((edge) => edge.sourceHandle ?? ""));
      return labelled.size > 0 ? [[node.id, labelRows(node.data.node, labelled)] as const] : [];
    }),
  );
  return drawn.map((edge) => {
    const timeout = edge.sourceHandle === "timeout_next";
    const start = edge.source === TRIGGER_ID;
    const color = start ? "var(--mantine-color-indigo-5)" : "var(--mantine-color-gray-5)";
    return {
      ...edge,
      type: "labelled",
      data: { ...edge.data, labelRow: rows.get(edge.source)?.get(edge.sourceHandle ?? "") ?? 0 },
      deletable: editable,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color },
      style: { stroke: color, strokeWidth: 1.6, ...(timeout ? { strokeDasharray: "5 4" } : {}) },
      ariaLabel: start ? `Start: ${edge.target}` : `${edge.label ? `${String(edge.label)} of ` : ""}${edge.source} to ${edge.target}`,
      domAttributes: { "data-testid": `edge-${edge.source}-${edge.sourceHandle ?? ""}` } as FlowEdge["domAttributes"],
    };
  });
}

/** The same node or edge as before when nothing it shows changed: React Flow then leaves
 * it alone, which keeps a large journey smooth. */
export function keepUnchanged<T extends FlowNode | FlowEdge>(previous: readonly T[], next: readonly T[], selected: (id: string, was: boolean) => boolean): T[] {
  const before = new Map(previous.map((item) => [item.id, item]));
  return next.map((item) => {
    const old = before.get(item.id);
    const candidate = { ...item, selected: selected(item.id, old?.selected ?? false) };
    if (old && "measured" in old && "position" in candidate) {
      // A node being dragged stays under the pointer while the counts refresh.
      if (old.measured) candidate.measured = old.measured;
      if (old.dragging) candidate.position = old.position;
    }
    return old && sameElement(old, candidate) ? old : candidate;
  });
}

function sameElement(a: FlowNode | FlowEdge, b: FlowNode | FlowEdge): boolean {
  if (Boolean(a.selected) !== Boolean(b.selected) || a.deletable !== b.deletable || a.ariaLabel !== b.ariaLabel) return false;
  if ("position" in a && "position" in b) {
    if (a.position.x !== b.position.x || a.position.y !== b.position.y || a.draggable !== b.draggable) return false;
  }
  if ("target" in a && "target" in b) {
    if (a.target !== b.target || a.label !== b.label) return false;
  }
  return shallowEqual(a.data ?? {}, b.data ?? {});
}

function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (Array.isArray(x) && Array.isArray(y) ? x.join("\n") !== y.join("\n") : x !== y) return false;
  }
  return true;
}
