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

test("a decide node needs offers or levels, each with a key and a value", () => {
  const journey = (offer: Record<string, unknown>): JourneyDefinition => ({
    key: "k",
    trigger: { api: true },
    goal: { event: "Order Completed" },
    start: "offer",
    nodes: { offer: { type: "decide", ...offer } },
  });
  expect(checkJourney(journey({ offers: [{ key: "a", value: 1 }, { key: "b", value: 2, cost: 1 }], holdout: 0.5, window: "3d" }))).toEqual([]);
  expect(checkJourney(journey({}))).toEqual([{ field: "nodes.offer.offers", message: "Give offers, or price levels for dynamic pricing" }]);
  expect(checkJourney(journey({ offers: [{ key: "a", value: 1 }, { key: "b", value: 1 }], levels: [] }))).toEqual([{ field: "nodes.offer.levels", message: "Give offers, or price levels for dynamic pricing" }]);
  expect(checkJourney(journey({ levels: [{ key: "a", value: 1 }, { key: "a", level: 5, value: 0, cost: -1 }], holdout: 0.6, window: "soon" }))).toEqual([
    { field: "nodes.offer.levels.0.level", message: "Give the price or discount" },
    { field: "nodes.offer.levels.1.key", message: "Another one is called a" },
    { field: "nodes.offer.levels.1.value", message: "Give a value above 0" },
    { field: "nodes.offer.levels.1.cost", message: "Give a cost of 0 or more" },
    { field: "nodes.offer.holdout", message: "Give a share from 1% to 50%" },
    { field: "nodes.offer.window", message: "Give a duration such as 7d" },
  ]);
  expect(checkJourney(journey({ offers: [{ key: "only one", value: 1 }] }))).toEqual([
    { field: "nodes.offer.offers", message: "Give 2 to 20 of them" },
    { field: "nodes.offer.offers.0.key", message: "Give a key of letters, digits, _ or -" },
  ]);
});

test("a message's longest wait and holdout apply to best time only", () => {
  const journey = (timing: Record<string, unknown>): JourneyDefinition => ({
    key: "k",
    trigger: { api: true },
    start: "mail",
    nodes: { mail: { type: "message", channel: "email", template: "t", ...timing } },
  });
  expect(checkJourney(journey({ send_at: "best_time", max_delay: "7d", holdout: 0 }))).toEqual([]);
  expect(checkJourney(journey({ send_at: "best_time", max_delay: "a week", holdout: 1 }))).toEqual([
    { field: "nodes.mail.max_delay", message: "'a week' is not a duration: use 30s, 10m, 1h, 3d, 2w or ISO 8601 like PT1H" },
    { field: "nodes.mail.holdout", message: "Give a share from 0 to under 100%" },
  ]);
  expect(checkJourney(journey({ send_at: "now", max_delay: "1h", holdout: 0.1 }))).toEqual([
    { field: "nodes.mail.max_delay", message: "A longest wait applies to sending at the best time" },
    { field: "nodes.mail.holdout", message: "A holdout applies to sending at the best time" },
  ]);
});

test("a decide node learns from the goal, and guardrails must leave it a level", () => {
  const levels = [{ key: "full", level: 0, value: 40 }, { key: "ten", level: 10, value: 36, cost: 2 }];
  const journey = (offer: Record<string, unknown>, goal: unknown = { event: "Order Completed" }): JourneyDefinition => ({
    key: "k",
    trigger: { api: true },
    goal,
    start: "offer",
    nodes: { offer: { type: "decide", ...offer } },
  });
  expect(checkJourney(journey({ levels, min_margin: 34, max_level: 5 }))).toEqual([]);
  expect(checkJourney(journey({ levels }, null))).toEqual([{ field: "goal", message: "The step offer learns from the journey's goal: give one" }]);
  expect(checkJourney(journey({ levels, min_margin: 41 }))).toEqual([{ field: "nodes.offer.min_margin", message: "No level is within the guardrails" }]);
  expect(checkJourney(journey({ levels, max_level: -1 }))).toEqual([{ field: "nodes.offer.max_level", message: "No level is within the guardrails" }]);
  expect(checkJourney(journey({ offers: levels, max_level: 5 }))).toEqual([{ field: "nodes.offer.max_level", message: "Guardrails apply to price levels" }]);
});
