import { describe, expect, test } from "vitest";
import type { JourneyDefinition } from "../definition";
import { addNode, idProblem, renameNode, updateNodeField } from "./edits";

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
