import { describe, expect, test } from "vitest";
import type { JourneyDefinition } from "../definition";
import { addNode, idProblem, renameNode, updateNodeField, withSendAt } from "./edits";

const BASE: JourneyDefinition = {
  key: "k",
  trigger: { event: "Signed Up" },
  start: "email",
  nodes: {
    email: { type: "message", channel: "email", template: "welcome" },
    later: { type: "delay", duration: "1d", next: "email" },
  },
};

describe("addNode", () => {
  test("gives readable, unique ids", () => {
    const first = addNode(BASE, "message");
    expect(first.id).toBe("email_2");
    expect(addNode(first.definition, "message").id).toBe("email_3");
    expect(addNode(BASE, "delay").id).toBe("delay");
    expect(addNode(BASE, "wait_for_event").id).toBe("wait_for");
    expect(first.definition.nodes?.email_2).toEqual({ type: "message", channel: "email", template: "" });
  });

  test("after a selected step, takes its first free way out", () => {
    const { definition, id } = addNode(BASE, "delay", "email");
    expect(definition.nodes?.email?.next).toBe(id);
    // No free way out: added alone.
    const alone = addNode(BASE, "exit", "later");
    expect(alone.definition.nodes?.later?.next).toBe("email");
  });

  test("the first step of an empty journey becomes its start", () => {
    const { definition, id } = addNode({ key: "empty", trigger: { api: true } }, "message");
    expect(JSON.stringify(definition)).toBe(JSON.stringify({ key: "empty", trigger: { api: true }, start: id, nodes: { [id]: { type: "message", channel: "email", template: "" } } }));
    expect(addNode(BASE, "exit").definition.start).toBe("email");
  });
});

describe("renameNode", () => {
  test("renames in place and updates every reference and the start", () => {
    const renamed = renameNode(BASE, "email", "welcome");
    expect(Object.keys(renamed.nodes ?? {})).toEqual(["welcome", "later"]);
    expect(renamed.start).toBe("welcome");
    expect(renamed.nodes?.later).toEqual({ type: "delay", duration: "1d", next: "welcome" });
  });

  test("refuses a taken or malformed id", () => {
    expect(renameNode(BASE, "email", "later")).toBe(BASE);
    expect(idProblem(BASE, "later", "email")).toMatch(/Another step/);
    expect(idProblem(BASE, "2fast", "email")).toMatch(/Start with a letter/);
    expect(idProblem(BASE, "email", "email")).toBeNull();
  });
});

test("updateNodeField sets a nested field in place and removes one given undefined", () => {
  const branch: JourneyDefinition = { key: "k", nodes: { b: { type: "branch", cases: [{ when: { has: "email" }, next: "x" }], default: "x" } } };
  expect(updateNodeField(branch, "b", "cases.0.when", { has: "phone" }).nodes?.b).toEqual({ type: "branch", cases: [{ when: { has: "phone" }, next: "x" }], default: "x" });
  expect(updateNodeField(branch, "b", "default", undefined).nodes?.b).toEqual({ type: "branch", cases: [{ when: { has: "email" }, next: "x" }] });
});

describe("withSendAt", () => {
  const timed = { type: "message", channel: "email", template: "news", send_at: "best_time", max_delay: "3d", holdout: 0.2, next: "done" };

  test("sending now drops what applies to best time only, keeping the rest in order", () => {
    expect(JSON.stringify(withSendAt(timed, "now"))).toBe(JSON.stringify({ type: "message", channel: "email", template: "news", next: "done" }));
  });

  test("best time keeps the longest wait and holdout already written", () => {
    expect(withSendAt(timed, "best_time")).toEqual(timed);
    expect(Object.keys(withSendAt({ type: "message", channel: "sms", template: "t", next: "x" }, "best_time"))).toEqual(["type", "channel", "template", "next", "send_at"]);
  });
});

describe("a decide node", () => {
  test("is added with two offers, and a step after it takes its first free offer", () => {
    const added = addNode(BASE, "decide", "email");
    expect(added.id).toBe("decide");
    expect(added.definition.nodes?.decide).toEqual({ type: "decide", offers: [{ key: "offer_a", value: 10 }, { key: "offer_b", value: 10 }] });
    const after = addNode(added.definition, "message", "decide");
    expect(added.definition.nodes?.email?.next).toBe("decide");
    expect(after.definition.nodes?.decide?.offers).toEqual([{ key: "offer_a", value: 10, next: after.id }, { key: "offer_b", value: 10 }]);
  });

  test("renaming a step renames it in offers, levels and no_offer_next", () => {
    const decide = { type: "decide", levels: [{ key: "full", level: 0, value: 40, next: "email" }, { key: "ten", level: 10, value: 36 }], no_offer_next: "email" };
    const renamed = renameNode({ ...BASE, nodes: { ...BASE.nodes, decide } }, "email", "mail");
    expect(renamed.nodes?.decide).toEqual({ ...decide, levels: [{ ...decide.levels[0], next: "mail" }, decide.levels[1]], no_offer_next: "mail" });
  });
});
