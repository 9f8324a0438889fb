import type { NodeHighlight } from "./builder/JourneyEditor";
import type { JourneyDefinition } from "./definition";

/** What changed between two versions of a journey: nodes for the canvas, lines for the
 * YAML side by side. */

type Json = unknown;

/** The same value whatever the order of its objects' keys, so a reordered node is not a changed one. */
export function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, Json>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function nodesOf(definition: JourneyDefinition): Record<string, Json> {
  const nodes = definition.nodes;
  return nodes !== null && typeof nodes === "object" && !Array.isArray(nodes) ? (nodes as Record<string, Json>) : {};
}

/** Per node id: added in the newer version, removed from it, or changed; unchanged nodes are absent. */
export function nodeHighlights(older: JourneyDefinition, newer: JourneyDefinition): Record<string, NodeHighlight> {
  const before = nodesOf(older);
  const after = nodesOf(newer);
  const found: Record<string, NodeHighlight> = {};
  for (const [id, node] of Object.entries(after)) {
    if (!(id in before)) found[id] = "added";
    else if (canonical(before[id]) !== canonical(node)) found[id] = "changed";
  }
  for (const id of Object.keys(before)) if (!(id in after)) found[id] = "removed";
  return found;
}

/** The journey's own settings (trigger, goal, audience...) that differ, in the newer version's order. */
export function settingsChanged(older: JourneyDefinition, newer: JourneyDefinition): string[] {
  const fields = [...Object.keys(newer), ...Object.keys(older).filter((field) => !(field in newer))];
  return fields.filter(
    (field) => field !== "nodes" && canonical(older[field] ?? null) !== canonical(newer[field] ?? null),
  );
}

export type DiffSide = { number: number; text: string; kind: "same" | "removed" | "added" };

/** One row of a side-by-side diff: a line of the older text, of the newer, or of both. */
type DiffRow = { left: DiffSide | null; right: DiffSide | null };

type Op = { kind: "same" | "removed" | "added"; text: string };

/** The longest common subsequence's edit script between two lists of lines. */
function editScript(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const n = midA.length;
  const m = midB.length;
  // lengths[i * (m + 1) + j]: the LCS length of midA[i:] and midB[j:].
  const lengths = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] =
        midA[i] === midB[j]
          ? lengths[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lengths[(i + 1) * (m + 1) + j]!, lengths[i * (m + 1) + j + 1]!);
    }
  }
  const ops: Op[] = a.slice(0, head).map((text) => ({ kind: "same", text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      ops.push({ kind: "same", text: midA[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lengths[(i + 1) * (m + 1) + j]! >= lengths[i * (m + 1) + j + 1]!)) {
      ops.push({ kind: "removed", text: midA[i]! });
      i++;
    } else {
      ops.push({ kind: "added", text: midB[j]! });
      j++;
    }
  }
  for (const text of a.slice(a.length - tail)) ops.push({ kind: "same", text });
  return ops;
}

function linesOf(text: string): string[] {
  if (text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

/** Two texts side by side: common lines face each other, and a run of removed lines faces
 * the run of added lines that replaced it. */
export function sideBySide(older: string, newer: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let left = 0;
  let right = 0;
  let removed: DiffSide[] = [];
  let added: DiffSide[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      rows.push({ left: removed[k] ?? null, right: added[k] ?? null });
    }
    removed = [];
    added = [];
  };
  for (const op of editScript(linesOf(older), linesOf(newer))) {
    if (op.kind === "removed") removed.push({ number: ++left, text: op.text, kind: "removed" });
    else if (op.kind === "added") added.push({ number: ++right, text: op.text, kind: "added" });
    else {
      flush();
      rows.push({ left: { number: ++left, text: op.text, kind: "same" }, right: { number: ++right, text: op.text, kind: "same" } });
    }
  }
  flush();
  return rows;
}
