import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { parseJourneyYaml, type JourneyDefinition } from "../definition";
import { checkJourney } from "./checks";

const CART = parseJourneyYaml(readFileSync(new URL("../../../../docs/examples/cart-abandonment.yaml", import.meta.url), "utf8")).definition!;

test("a valid journey has no problem", () => {
  expect(checkJourney(CART)).toEqual([]);
});

test("problems are named like the API's error fields", () => {
  const broken: JourneyDefinition = {
    key: "k",
    start: "wait",
    nodes: {
      wait: { type: "delay", duration: "1 day", next: "later" },
      pick: { type: "branch", cases: [{ when: { has: "email" } }] },
      mail: { type: "message", channel: "email", template: "" },
    },
  };
  expect(checkJourney(broken)).toEqual([
    { field: "trigger", message: "Choose what starts the journey" },
    { field: "nodes.wait.duration", message: "'1 day' is not a duration: use 30s, 10m, 1h, 3d, 2w or ISO 8601 like PT1H" },
    { field: "nodes.wait.next", message: "no node named 'later'" },
    { field: "nodes.pick.cases.0.next", message: "Choose where case 1 goes" },
    { field: "nodes.mail.template", message: "Choose a template" },
    { field: "nodes.pick", message: "cannot be reached from 'wait'" },
    { field: "nodes.mail", message: "cannot be reached from 'wait'" },
  ]);
});

test("a loop must pass a step that waits", () => {
  const loop: JourneyDefinition = {
    key: "k",
    trigger: { api: true },
    start: "a",
    nodes: { a: { type: "message", channel: "email", template: "t", next: "b" }, b: { type: "holdout", percent: 5, next: "a" } },
  };
  expect(checkJourney(loop)).toEqual([{ field: "nodes.a", message: "loop a -> b -> a never waits" }]);
  const waiting = { ...loop, nodes: { ...loop.nodes, b: { type: "delay", duration: "1d", next: "a" } } };
  expect(checkJourney(waiting)).toEqual([]);
});

test("a journey needs a start pointing at a step", () => {
  expect(checkJourney({ key: "k", trigger: { api: true } })).toEqual([{ field: "nodes", message: "Add a first step" }]);
  expect(checkJourney({ key: "k", trigger: { event: "Signed Up" }, start: "", nodes: {} })).toEqual([{ field: "nodes", message: "Add a first step" }]);
  expect(checkJourney({ key: "k", trigger: { api: true }, nodes: { a: { type: "exit" } } })).toEqual([{ field: "start", message: "Connect the trigger to the first step" }]);
  expect(checkJourney({ key: "k", trigger: { api: true }, start: "b", nodes: { a: { type: "exit" } } })).toEqual([{ field: "start", message: "no node named 'b'" }]);
});
