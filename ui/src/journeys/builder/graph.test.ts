import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseJourneyYaml, type JourneyDefinition } from "../definition";
import { START_HANDLE, TRIGGER_ID, connect, edgeId, fromGraph, removeElements, setExit, toGraph } from "./graph";

const CART = parseJourneyYaml(readFileSync(new URL("../../../../docs/examples/cart-abandonment.yaml", import.meta.url), "utf8")).definition!;

const WIDE: JourneyDefinition = {
  key: "wide",
  start: "wait",
  nodes: {
    wait: {
      type: "wait_for_event",
      events: [{ event: "Order Completed", next: "split" }, { event: "Cart Emptied" }],
      timeout: "1d",
      next: "done",
      timeout_next: "done",
    },
    split: { type: "split", arms: [{ name: "A", weight: 3, next: "done" }, { name: "B", weight: 1 }] },
    done: { type: "exit" },
  },
};

describe("toGraph", () => {
  test("draws the trigger, a node per step and a labelled edge per field naming a step", () => {
    const graph = toGraph(CART);
    expect(graph.nodes.map((n) => n.id)).toEqual([TRIGGER_ID, "wait", "email", "later", "still", "sms", "done"]);
    expect(graph.nodes.find((n) => n.id === "wait")?.data).toMatchObject({ start: true });
    const edges = graph.edges.map((e) => [e.source, e.sourceHandle, e.target, e.label ?? ""]);
    expect(edges).toEqual([
      [TRIGGER_ID, START_HANDLE, "wait", ""],
      ["wait", "next", "done", "Order Completed"],
      ["wait", "timeout_next", "email", "timeout"],
      ["email", "next", "later", ""],
      ["later", "next", "still", ""],
      ["still", "cases.0.next", "sms", "case 1"],
      ["still", "default", "done", "default"],
      ["sms", "next", "done", ""],
    ]);
  });

  test("labels event, arm and fallback ways out", () => {
    const labels = toGraph(WIDE).edges.map((e) => `${e.sourceHandle}=${String(e.label ?? "")}`);
    expect(labels).toEqual(["start=", "events.0.next=Order Completed", "next=other events", "timeout_next=timeout", "arms.0.next=A · 75%"]);
  });

  test("keeps a reference to a missing step as a dangling edge", () => {
    const broken = { ...CART, nodes: { ...CART.nodes, email: { ...CART.nodes!.email!, next: "gone" } } };
    const edge = toGraph(broken).edges.find((e) => e.id === edgeId("email", "next"));
    expect(edge).toMatchObject({ target: "gone", data: { dangling: true } });
    // An unrelated edit leaves it as it was.
    expect(setExit(broken, "sms", "next", null).nodes?.email?.next).toBe("gone");
  });
});

describe("editing through the graph", () => {
  test("connecting a handle sets its field, in place or after the others", () => {
    const moved = connect(CART, "still", "cases.0.next", "email");
    expect(moved.nodes?.still).toEqual({ type: "branch", cases: [{ when: { has: "phone" }, next: "email" }], default: "done" });
    const fresh = connect(WIDE, "split", "arms.1.next", "wait");
    expect(fresh.nodes?.split).toEqual({ type: "split", arms: [{ name: "A", weight: 3, next: "done" }, { name: "B", weight: 1, next: "wait" }] });
    const started = connect(CART, TRIGGER_ID, START_HANDLE, "email");
    expect(started.start).toBe("email");
    expect(Object.keys(started)).toEqual(Object.keys(CART));
  });

  test("deleting an edge clears its field", () => {
    const cut = removeElements(WIDE, [], [edgeId("wait", "events.0.next"), edgeId("wait", "timeout_next")]);
    expect(cut.nodes?.wait).toEqual({ type: "wait_for_event", events: [{ event: "Order Completed" }, { event: "Cart Emptied" }], timeout: "1d", next: "done" });
  });

  test("deleting a node removes it and every reference to it, the start included", () => {
    const cut = removeElements(CART, ["done"], []);
    expect(Object.keys(cut.nodes ?? {})).toEqual(["wait", "email", "later", "still", "sms"]);
    expect(cut.nodes?.wait).toEqual({ type: "wait_for_event", event: "Order Completed", correlate: "properties.cart_id", timeout: "1h", timeout_next: "email" });
    expect(cut.nodes?.still).toEqual({ type: "branch", cases: [{ when: { has: "phone" }, next: "sms" }] });
    expect(cut.nodes?.sms).toEqual({ type: "message", channel: "sms", template: "cart-sms" });

    const headless = removeElements(CART, ["wait"], []);
    expect("start" in headless).toBe(false);
    // Connected again, `start` goes back before `nodes`, where it was.
    const restarted = connect(headless, TRIGGER_ID, START_HANDLE, "email");
    expect(Object.keys(restarted).indexOf("start")).toBe(Object.keys(restarted).indexOf("nodes") - 1);
  });

  test("the trigger cannot be deleted", () => {
    expect(removeElements(CART, [TRIGGER_ID], [])).toEqual(CART);
  });

  test("fromGraph keeps the steps in the graph's order with unknown fields untouched", () => {
    const odd: JourneyDefinition = { key: "k", x_future: { a: 1 }, start: "b", nodes: { a: { type: "exit", x_note: [1, 2] }, b: { type: "delay", duration: "1h", next: "a", x_flag: true } } };
    const graph = toGraph(odd);
    const reversed = [graph.nodes[0]!, ...graph.nodes.slice(1).reverse()];
    const back = fromGraph(odd, reversed, graph.edges);
    expect(JSON.stringify(back)).toBe(JSON.stringify({ key: "k", x_future: { a: 1 }, start: "b", nodes: { b: odd.nodes!.b, a: odd.nodes!.a } }));
  });
});

describe("a decide node", () => {
  const OFFERS: JourneyDefinition = {
    key: "nba",
    start: "offer",
    nodes: {
      offer: {
        type: "decide",
        context: ["plan"],
        offers: [
          { key: "ten_off", value: 40, cost: 4, next: "mail" },
          { key: "free_shipping", value: 40, cap: { count: 500, per: "30d" } },
          { key: "vip_call", value: 120, eligible: { trait: "tier", op: "equals", value: "gold" }, next: "done" },
        ],
        next: "mail",
        no_offer_next: "done",
      },
      mail: { type: "message", channel: "email", template: "offer", send_at: "best_time", max_delay: "12h", holdout: 0, next: "done" },
      done: { type: "exit" },
    },
  };

  test("has a way out per offer, one for offers without their own and one for no offer", () => {
    const labels = toGraph(OFFERS).edges.filter((e) => e.source === "offer").map((e) => `${e.sourceHandle}=${String(e.label ?? "")}>${e.target}`);
    expect(labels).toEqual(["offers.0.next=ten_off>mail", "offers.2.next=vip_call>done", "next=other offers>mail", "no_offer_next=no offer>done"]);
    const priced = { ...OFFERS.nodes!.offer!, offers: undefined, levels: [{ key: "full", level: 0, value: 40, next: "done" }, { key: "ten", level: 10, value: 36 }] };
    expect(toGraph({ ...OFFERS, nodes: { ...OFFERS.nodes, offer: priced } }).edges.map((e) => e.id)).toContain(edgeId("offer", "levels.0.next"));
  });

  test("connecting an offer sets its next; deleting a step clears every way out to it", () => {
    const linked = connect(OFFERS, "offer", "offers.1.next", "done");
    expect(linked.nodes?.offer?.offers).toEqual([
      { key: "ten_off", value: 40, cost: 4, next: "mail" },
      { key: "free_shipping", value: 40, cap: { count: 500, per: "30d" }, next: "done" },
      { key: "vip_call", value: 120, eligible: { trait: "tier", op: "equals", value: "gold" }, next: "done" },
    ]);
    const cut = removeElements(OFFERS, ["done"], []);
    expect(cut.nodes?.offer).toEqual({
      type: "decide",
      context: ["plan"],
      offers: [{ key: "ten_off", value: 40, cost: 4, next: "mail" }, { key: "free_shipping", value: 40, cap: { count: 500, per: "30d" } }, { key: "vip_call", value: 120, eligible: { trait: "tier", op: "equals", value: "gold" } }],
      next: "mail",
    });
    // The message's best-time fields are not ways out: they stay as written.
    expect(cut.nodes?.mail).toEqual({ type: "message", channel: "email", template: "offer", send_at: "best_time", max_delay: "12h", holdout: 0 });
  });
});
