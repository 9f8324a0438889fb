import { isRecord, type JourneyDefinition, type JourneyNode } from "../definition";
import { WAITING_TYPES, exitsOf, field, isDuration, isNodeType, listOf } from "./model";
import type { Problem } from "./types";

/** Quick checks of what the API would refuse, named like its error fields
 * (`nodes.email.next`, `nodes.orphan`, `start`): steps that lead nowhere, steps nobody
 * reaches, loops that never wait, and fields a step cannot go without. The API checks
 * everything else when the journey is saved. */
export function checkJourney(definition: JourneyDefinition): Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const steps = definition.nodes ?? {};
  const ids = Object.keys(steps);

  if (!isRecord(definition.trigger)) add("trigger", "Choose what starts the journey");
  if (ids.length === 0) add("nodes", "Add a first step");
  if (typeof definition.start !== "string" || definition.start === "") {
    if (ids.length > 0) add("start", "Connect the trigger to the first step");
  } else if (!(definition.start in steps)) {
    add("start", `no node named '${definition.start}'`);
  }

  const deciding = Object.keys(steps).find((id) => steps[id]?.type === "decide");
  if (deciding !== undefined && !isRecord(definition.goal)) add("goal", `The step ${deciding} learns from the journey's goal: give one`);

  for (const [id, node] of Object.entries(steps)) {
    checkFields(node, (path, message) => add(`nodes.${id}.${path}`, message));
    for (const exit of exitsOf(node)) {
      if (exit.target === null && exit.required) add(`nodes.${id}.${exit.path}`, `Choose where ${exit.label} goes`);
      if (exit.target !== null && !(exit.target in steps)) add(`nodes.${id}.${exit.path}`, `no node named '${exit.target}'`);
    }
  }

  if (typeof definition.start === "string" && definition.start in steps) {
    const reached = reachable(steps, definition.start);
    for (const id of ids) if (!reached.has(id)) add(`nodes.${id}`, `cannot be reached from '${definition.start}'`);
    const loop = busyLoop(steps);
    if (loop) add(`nodes.${loop[0]}`, `loop ${loop.join(" -> ")} never waits`);
  }
  return problems;
}

function targetsOf(node: JourneyNode | undefined, steps: Record<string, JourneyNode>): string[] {
  if (!node) return [];
  return exitsOf(node).flatMap((exit) => (exit.target !== null && exit.target in steps ? [exit.target] : []));
}

function reachable(steps: Record<string, JourneyNode>, start: string): Set<string> {
  const seen = new Set([start]);
  const todo = [start];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const target of targetsOf(steps[id], steps)) {
      if (!seen.has(target)) {
        seen.add(target);
        todo.push(target);
      }
    }
  }
  return seen;
}

/** A loop through steps none of which waits, as the ids along it (first one repeated). */
function busyLoop(steps: Record<string, JourneyNode>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const visit = (id: string, path: string[]): string[] | null => {
    state.set(id, "open");
    const node = steps[id];
    if (node && !WAITING_TYPES.has(node.type)) {
      for (const target of targetsOf(node, steps)) {
        if (state.get(target) === "open") return [...path.slice(path.indexOf(target)), target];
        if (!state.has(target)) {
          const found = visit(target, [...path, target]);
          if (found) return found;
        }
      }
    }
    state.set(id, "done");
    return null;
  };
  for (const id of Object.keys(steps)) {
    if (!state.has(id)) {
      const found = visit(id, [id]);
      if (found) return found;
    }
  }
  return null;
}

function checkFields(node: JourneyNode, add: (path: string, message: string) => void) {
  const needText = (name: string, message: string) => {
    if (typeof node[name] !== "string" || node[name] === "") add(name, message);
  };
  const needDuration = (name: string) => {
    const value = node[name];
    if (typeof value !== "string" || value === "") add(name, "Give a duration such as 1h or 3d");
    else if (!isDuration(value)) add(name, `'${value}' is not a duration: use 30s, 10m, 1h, 3d, 2w or ISO 8601 like PT1H`);
  };
  if (!isNodeType(node.type)) {
    add("type", `'${node.type}' is not a step type`);
    return;
  }
  switch (node.type) {
    case "delay":
      needDuration("duration");
      break;
    case "wait_until":
      if (node.date_trait === undefined && node.time === undefined && node.weekdays === undefined) {
        add("time", "Give a time of day, weekdays or a date trait");
      }
      break;
    case "wait_for_event":
      needDuration("timeout");
      if (Array.isArray(node.events)) {
        listOf(node.events).forEach((item, i) => {
          if (typeof field(item, "event") !== "string" || field(item, "event") === "") add(`events.${i}.event`, "Name the event");
        });
      } else {
        needText("event", "Name the event to wait for");
      }
      break;
    case "branch":
      if (listOf(node.cases).length === 0) add("cases", "Add at least one case");
      listOf(node.cases).forEach((item, i) => {
        if (!isRecord(field(item, "when"))) add(`cases.${i}.when`, "Give the condition of this case");
      });
      break;
    case "split":
      if (listOf(node.arms).length < 2) add("arms", "Give at least two arms");
      listOf(node.arms).forEach((item, i) => {
        const weight = field(item, "weight");
        if (typeof weight !== "number" || weight <= 0) add(`arms.${i}.weight`, "Give a weight above 0");
      });
      break;
    case "holdout":
      if (typeof node.percent !== "number" || node.percent <= 0 || node.percent >= 100) add("percent", "Give a percentage between 0 and 100");
      break;
    case "message":
      needText("channel", "Choose a channel");
      needText("template", "Choose a template");
      if (node.send_at === "best_time") {
        if (node.max_delay !== undefined) needDuration("max_delay");
        if (node.holdout !== undefined && !(typeof node.holdout === "number" && node.holdout >= 0 && node.holdout < 1)) add("holdout", "Give a share from 0 to under 100%");
      } else {
        if (node.max_delay !== undefined) add("max_delay", "A longest wait applies to sending at the best time");
        if (node.holdout !== undefined) add("holdout", "A holdout applies to sending at the best time");
      }
      break;
    case "decide":
      checkDecide(node, add);
      break;
    case "update_profile": {
      const some = (value: unknown) => (Array.isArray(value) ? value.length > 0 : isRecord(value) && Object.keys(value).length > 0);
      if (!some(node.set) && !some(node.increment) && !some(node.unset)) add("set", "Set, increase or remove at least one trait");
      break;
    }
    case "webhook":
      if (typeof node.url !== "string" || !/^https?:\/\/\S/.test(node.url)) add("url", "Give the address to call, starting with https://");
      break;
    case "enter_journey":
      needText("journey", "Choose the journey to hand over to");
      break;
    case "exit":
      break;
  }
}

function checkDecide(node: JourneyNode, add: (path: string, message: string) => void) {
  const lists = ["offers", "levels"].filter((name) => node[name] !== undefined);
  if (lists.length !== 1) {
    add(lists.length ? "levels" : "offers", "Give offers, or price levels for dynamic pricing");
    return;
  }
  const list = lists[0]!;
  const arms = listOf(node[list]);
  if (arms.length < 2 || arms.length > 20) add(list, "Give 2 to 20 of them");
  const keys = new Set<unknown>();
  arms.forEach((arm, i) => {
    const key = field(arm, "key");
    if (typeof key !== "string" || !/^[A-Za-z0-9_-]{1,50}$/.test(key)) add(`${list}.${i}.key`, "Give a key of letters, digits, _ or -");
    else if (keys.has(key)) add(`${list}.${i}.key`, `Another one is called ${key}`);
    keys.add(key);
    const value = field(arm, "value");
    if (typeof value !== "number" || value <= 0) add(`${list}.${i}.value`, "Give a value above 0");
    const cost = field(arm, "cost");
    if (cost !== undefined && (typeof cost !== "number" || cost < 0)) add(`${list}.${i}.cost`, "Give a cost of 0 or more");
    if (list === "levels" && typeof field(arm, "level") !== "number") add(`${list}.${i}.level`, "Give the price or discount");
  });
  const guards = ["min_margin", "max_level"].filter((name) => node[name] !== undefined);
  if (list === "offers" && guards.length) add(guards[0]!, "Guardrails apply to price levels");
  else if (arms.length && arms.every((arm) => guarded(node, arm))) add(guards[0] ?? list, "No level is within the guardrails");
  const holdout = node.holdout;
  if (holdout !== undefined && !(typeof holdout === "number" && holdout >= 0.01 && holdout <= 0.5)) add("holdout", "Give a share from 1% to 50%");
  if (node.window !== undefined && (typeof node.window !== "string" || !isDuration(node.window))) add("window", "Give a duration such as 7d");
}

/** Whether the guardrails never allow the level (baton/journeys/definitions.py, DecideNode.guarded). */
function guarded(node: JourneyNode, arm: unknown): boolean {
  const value = field(arm, "value");
  const cost = field(arm, "cost") ?? 0;
  const level = field(arm, "level");
  if (typeof node.min_margin === "number" && typeof value === "number" && typeof cost === "number" && value - cost < node.min_margin) return true;
  return typeof node.max_level === "number" && typeof level === "number" && level > node.max_level;
}
