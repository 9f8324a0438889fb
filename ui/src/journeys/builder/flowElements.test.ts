import { expect, test } from "vitest";
import type { JourneyDefinition } from "../definition";
import { decorateEdges, decorateNodes, keepUnchanged, problemsByNode } from "./flowElements";
import { TRIGGER_ID, toGraph } from "./graph";

const DEFINITION: JourneyDefinition = {
  key: "k",
  start: "a",
  nodes: { a: { type: "delay", duration: "1d", next: "b" }, b: { type: "exit" }, c: { type: "message", channel: "sms", template: "t", next: "gone" } },
};

test("problems go to their step, anything else to the trigger", () => {
  const found = problemsByNode([
    { field: "nodes.a.duration", message: "bad" },
    { field: "nodes.a", message: "unreachable" },
    { field: "trigger", message: "missing" },
    { field: "start", message: "none" },
  ]);
  expect(Object.fromEntries(found)).toEqual({ a: ["bad", "unreachable"], [TRIGGER_ID]: ["missing", "none"] });
});

test("nodes carry their test id, counts, highlight and problems; dangling edges are not drawn", () => {
  const graph = toGraph(DEFINITION);
  const nodes = decorateNodes(graph, {
    positions: { a: { x: 1, y: 2 } },
    problems: new Map([["a", ["bad"]]]),
    counts: { a: { entered: 3, waiting: 1, exited: 0 } },
    highlight: { b: "added" },
    editable: true,
  });
  const a = nodes.find((n) => n.id === "a")!;
  expect(a.position).toEqual({ x: 1, y: 2 });
  expect(a.domAttributes).toEqual({ "data-testid": "node-a" });
  expect(a.data).toMatchObject({ problems: ["bad"], counts: { entered: 3, waiting: 1, exited: 0 } });
  expect(a.ariaLabel).toBe("Delay a: Wait 1d. To fix: bad");
  expect(nodes.find((n) => n.id === "b")?.data).toMatchObject({ highlight: "added" });
  expect(nodes.find((n) => n.id === TRIGGER_ID)?.deletable).toBe(false);
  expect(decorateEdges(graph, true).map((e) => e.id)).toEqual([`${TRIGGER_ID}→start`, "a→next"]);
});

test("unchanged nodes are handed back as the same objects, so React Flow leaves them alone", () => {
  const decorations = { positions: {}, problems: new Map<string, string[]>(), editable: true };
  const first = decorateNodes(toGraph(DEFINITION), decorations);
  const edited: JourneyDefinition = { ...DEFINITION, nodes: { ...DEFINITION.nodes, b: { type: "exit", description: "bye" } } };
  const second = keepUnchanged(first, decorateNodes(toGraph(edited), decorations), (_, was) => was);
  expect(second.find((n) => n.id === "a")).toBe(first.find((n) => n.id === "a"));
  expect(second.find((n) => n.id === "b")).not.toBe(first.find((n) => n.id === "b"));
  const selected = keepUnchanged(second, second, (id) => id === "c");
  expect(selected.filter((n) => n.selected).map((n) => n.id)).toEqual(["c"]);
});
