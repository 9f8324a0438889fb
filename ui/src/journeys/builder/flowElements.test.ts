import { expect, test } from "vitest";
import type { JourneyDefinition, JourneyNode } from "../definition";
import { decorateEdges, decorateNodes, keepUnchanged, labelRows, problemsByNode } from "./flowElements";
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
  // c's next names a step that does not exist: no edge is drawn, its name stays on the card.
  expect(nodes.filter((n) => n.type === "step").map((n) => [n.id, n.data.connected])).toEqual([
    ["a", ["next"]],
    ["b", []],
    ["c", []],
  ]);
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

test("labels go on the highest row where they run into no other label", () => {
  const orders: JourneyNode = {
    type: "wait_for_event",
    events: ["Order Shipped", "Order Out for Delivery", "Order Delayed", "Order Delivered"].map((event, i) => ({ event, next: `m${i}` })),
    timeout: "30d",
  };
  const all = new Set(["events.0.next", "events.1.next", "events.2.next", "events.3.next"]);
  expect(Object.fromEntries(labelRows(orders, all))).toEqual({ "events.0.next": 0, "events.1.next": 1, "events.2.next": 2, "events.3.next": 0 });
  // Far apart, two short labels share the first row.
  expect(Object.fromEntries(labelRows(orders, new Set(["events.0.next", "events.3.next"])))).toEqual({ "events.0.next": 0, "events.3.next": 0 });
});

test("labels of neighbouring ways out go on rows of their own, so that they do not run into each other", () => {
  const waiting: JourneyDefinition = {
    key: "k",
    start: "w",
    nodes: {
      w: { type: "wait_for_event", event: "Order Completed", timeout: "1d", next: "x", timeout_next: "m" },
      m: { type: "message", channel: "email", template: "t", next: "x" },
      x: { type: "exit" },
    },
  };
  const edges = decorateEdges(toGraph(waiting), false);
  expect(edges.map((e) => [e.id, e.type, e.label, e.data?.labelRow])).toEqual([
    [`${TRIGGER_ID}→start`, "labelled", undefined, 0],
    ["w→next", "labelled", "Order Completed", 0],
    ["w→timeout_next", "labelled", "timeout", 1],
    ["m→next", "labelled", undefined, 0],
  ]);
});
