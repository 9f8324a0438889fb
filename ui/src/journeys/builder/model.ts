import { channelLabel } from "../../ui/channels";
import { capitalised } from "../../ui/text";
import type { components } from "../../api/schema";
import { isRecord, type JourneyNode } from "../definition";

export type DecideNode = components["schemas"]["DecideNode"];
export type Offer = components["schemas"]["Offer"];
export type PriceLevel = components["schemas"]["PriceLevel"];
export type SendAt = components["schemas"]["MessageNode"]["send_at"];

/** The node types of docs/journeys.md, in the order the palette offers them. */
export const NODE_TYPES = [
  "delay",
  "wait_until",
  "wait_for_event",
  "branch",
  "split",
  "holdout",
  "decide",
  "message",
  "update_profile",
  "webhook",
  "enter_journey",
  "exit",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];
type Category = "wait" | "flow" | "action" | "exit";

export const CATEGORIES: { category: Category; label: string }[] = [
  { category: "wait", label: "Wait" },
  { category: "flow", label: "Flow" },
  { category: "action", label: "Actions" },
  { category: "exit", label: "End" },
];

export const NODE_INFO: Record<NodeType, { label: string; category: Category; hint: string }> = {
  delay: { label: "Delay", category: "wait", hint: "Wait a fixed time" },
  wait_until: { label: "Wait until", category: "wait", hint: "Wait for a time of day, weekday or date" },
  wait_for_event: { label: "Wait for event", category: "wait", hint: "Wait for the customer to do something" },
  branch: { label: "Branch", category: "flow", hint: "Go one way or another on a condition" },
  split: { label: "A/B split", category: "flow", hint: "Split people between arms by weight" },
  holdout: { label: "Holdout", category: "flow", hint: "Keep a share of people from messages" },
  decide: { label: "Next best action", category: "flow", hint: "Choose the offer or price that suits each person best" },
  message: { label: "Message", category: "action", hint: "Send an e-mail, SMS, push or chat message" },
  update_profile: { label: "Update profile", category: "action", hint: "Set, increase or remove traits" },
  webhook: { label: "Webhook", category: "action", hint: "Call another system" },
  enter_journey: { label: "Enter journey", category: "exit", hint: "Hand the person to another journey" },
  exit: { label: "Exit", category: "exit", hint: "End the journey here" },
};

/** Nodes that wait: a loop must pass one of them. */
export const WAITING_TYPES: ReadonlySet<string> = new Set(["delay", "wait_until", "wait_for_event"]);

/** The channels a message node offers before any template names another. */
export const MESSAGE_CHANNELS = ["email", "sms", "push", "chat", "inbox"];

export function isNodeType(type: string): type is NodeType {
  return (NODE_TYPES as readonly string[]).includes(type);
}

export function categoryOf(type: string): Category {
  return isNodeType(type) ? NODE_INFO[type].category : "action";
}

export function typeLabel(type: string): string {
  return isNodeType(type) ? NODE_INFO[type].label : type;
}

/** A way out of a node: where its field (`next`, `cases.0.next`...) points, if anywhere. */
export type Exit = { path: string; label: string; target: string | null; required: boolean };

export function exitsOf(node: JourneyNode): Exit[] {
  const exit = (path: string, label: string, value: unknown, required = false): Exit => ({
    path,
    label,
    target: typeof value === "string" ? value : null,
    required,
  });
  switch (node.type) {
    case "branch":
      return [
        ...listOf(node.cases).map((item, i) => exit(`cases.${i}.next`, `case ${i + 1}`, field(item, "next"), true)),
        exit("default", "default", node.default),
      ];
    case "split": {
      const arms = listOf(node.arms);
      const total = arms.reduce<number>((sum, arm) => sum + numberOr(field(arm, "weight"), 0), 0);
      return arms.map((arm, i) => {
        const name = textOr(field(arm, "name"), `arm ${i + 1}`);
        const weight = numberOr(field(arm, "weight"), 0);
        const share = total > 0 ? ` · ${Math.round((weight / total) * 100)}%` : "";
        return exit(`arms.${i}.next`, `${name}${share}`, field(arm, "next"));
      });
    }
    case "wait_for_event": {
      if (Array.isArray(node.events)) {
        return [
          ...node.events.map((item, i) => exit(`events.${i}.next`, textOr(field(item, "event"), `event ${i + 1}`), field(item, "next"))),
          exit("next", "other events", node.next),
          exit("timeout_next", "timeout", node.timeout_next),
        ];
      }
      return [exit("next", textOr(node.event, "event"), node.next), exit("timeout_next", "timeout", node.timeout_next)];
    }
    case "decide": {
      // Both lists get their ways out, though Baton refuses a node with both: no reference is lost.
      const arms = ["offers", "levels"].flatMap((list) =>
        listOf(node[list]).map((arm, i) => exit(`${list}.${i}.next`, textOr(field(arm, "key"), `${list === "offers" ? "offer" : "level"} ${i + 1}`), field(arm, "next"))),
      );
      return [...arms, exit("next", "other offers", node.next), exit("no_offer_next", "no offer", node.no_offer_next)];
    }
    case "enter_journey":
    case "exit":
      return [];
    default:
      // Every other node, known or not, goes on to `next`.
      return [exit("next", "next", node.next)];
  }
}

/** A copy of `value` with the field at `path` set (or removed when undefined), leaving
 * the order of every other field as it was. */
export function setAt<T>(value: T, path: readonly string[], next: unknown): T {
  const [head, ...rest] = path;
  if (head === undefined) return next as T;
  if (Array.isArray(value)) {
    const index = Number(head);
    if (!Number.isInteger(index) || index < 0 || index >= value.length) return value;
    const copy = [...value];
    copy[index] = setAt(value[index], rest, next);
    return copy as T;
  }
  const record: Record<string, unknown> = isRecord(value) ? value : {};
  if (rest.length > 0) {
    if (!(head in record)) return value;
    return { ...record, [head]: setAt(record[head], rest, next) } as T;
  }
  if (next === undefined) {
    if (!(head in record)) return value;
    const copy = { ...record };
    delete copy[head];
    return copy as T;
  }
  return { ...record, [head]: next } as T;
}

/** A new node of the type, filled so that it reads well and needs little to be valid. */
export function newNode(type: NodeType, channel = "email"): JourneyNode {
  switch (type) {
    case "delay":
      return { type, duration: "1d" };
    case "wait_until":
      return { type, time: "09:00" };
    case "wait_for_event":
      return { type, event: "", timeout: "3d" };
    case "branch":
      return { type, cases: [{ when: { has: "email" } }] };
    case "split":
      return { type, arms: [{ name: "A", weight: 50 }, { name: "B", weight: 50 }] };
    case "holdout":
      return { type, percent: 10 };
    case "decide":
      return { type, offers: [newOffer("offer_a"), newOffer("offer_b")] };
    case "message":
      return { type, channel, template: "" };
    case "update_profile":
      return { type, set: {} };
    case "webhook":
      return { type, url: "https://", method: "POST" };
    case "enter_journey":
      return { type, journey: "" };
    case "exit":
      return { type };
  }
}

/** A new arm of a decide node: an offer, or with `level` a price level. */
export function newOffer(key: string, level?: number): Pick<Offer, "key" | "value"> & Partial<PriceLevel> {
  return level === undefined ? { key, value: 10 } : { key, level, value: 10 };
}

const ID_BASE: Record<NodeType, string> = {
  delay: "delay",
  wait_until: "wait_until",
  wait_for_event: "wait_for",
  branch: "branch",
  split: "split",
  holdout: "holdout",
  decide: "decide",
  message: "message",
  update_profile: "update",
  webhook: "webhook",
  enter_journey: "handover",
  exit: "exit",
};

/** A readable id not yet taken: `email`, then `email_2`... */
export function freshId(taken: Iterable<string>, type: NodeType, node?: JourneyNode): string {
  const used = new Set(taken);
  const channel = type === "message" && node ? textOr(node.channel, "") : "";
  const base = /^[a-z][a-z0-9_-]*$/.test(channel) ? channel : ID_BASE[type];
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}

export const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;
const DURATION = /^\s*\d+\s*[smhdw]\s*$/;
const ISO_DURATION = /^P(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/;

/** Whether Baton accepts the text as a duration (baton/core/durations.py), zero excepted. */
export function isDuration(text: string): boolean {
  const upper = text.trim().toUpperCase();
  if (DURATION.test(text)) return !/^\s*0+\s*[smhdw]\s*$/.test(text);
  return ISO_DURATION.test(upper) && upper !== "P" && upper !== "PT" && !upper.endsWith("T") && /[1-9]/.test(upper);
}

/** One line saying what the node does, for its card. */
export function summarize(node: JourneyNode): string {
  switch (node.type) {
    case "delay":
      return `Wait ${textOr(node.duration, "?")}`;
    case "wait_until": {
      if (typeof node.date_trait === "string") {
        const offset = typeof node.offset === "string" ? ` ${node.offset}` : "";
        const time = typeof node.time === "string" ? ` at ${node.time}` : "";
        return `Until ${node.date_trait}${offset}${time}`;
      }
      const days = Array.isArray(node.weekdays) ? node.weekdays.join(", ") : "";
      const time = typeof node.time === "string" ? node.time : "";
      return `Until ${[days, time].filter(Boolean).join(" at ") || "?"}`;
    }
    case "wait_for_event": {
      const what = Array.isArray(node.events) ? `${node.events.length} events` : textOr(node.event, "an event") || "an event";
      return `For ${what}, up to ${textOr(node.timeout, "?")}`;
    }
    case "branch": {
      const count = listOf(node.cases).length;
      return `${count} ${count === 1 ? "case" : "cases"}${node.default ? " + default" : ""}`;
    }
    case "split":
      return `${listOf(node.arms).length} arms${isRecord(node.optimize) ? ", optimised" : ""}`;
    case "holdout":
      return `Hold out ${numberOr(node.percent, 0)}% from messages`;
    case "message": {
      const template = textOr(node.template, "");
      const when = node.send_at === "best_time" ? " · at their best time" : "";
      return `${channelLabel(textOr(node.channel, "?"))} · ${template || "no template yet"}${when}`;
    }
    case "decide": {
      const pricing = Array.isArray(node.levels) && !Array.isArray(node.offers);
      const count = listOf(pricing ? node.levels : node.offers).length;
      const context = listOf(node.context).length;
      return `Best of ${count} ${pricing ? "price levels" : "offers"}${context ? ` by ${context} trait${context > 1 ? "s" : ""}` : ""}`;
    }
    case "update_profile": {
      const parts = [
        isRecord(node.set) && Object.keys(node.set).length ? `set ${Object.keys(node.set).join(", ")}` : "",
        isRecord(node.increment) && Object.keys(node.increment).length ? `add to ${Object.keys(node.increment).join(", ")}` : "",
        Array.isArray(node.unset) && node.unset.length ? `remove ${node.unset.join(", ")}` : "",
      ].filter(Boolean);
      return parts.length ? capitalised(parts.join(" · ")) : "No change yet";
    }
    case "webhook":
      return `${textOr(node.method, "POST")} ${hostOf(textOr(node.url, ""))}`;
    case "enter_journey":
      return `Hand over to ${textOr(node.journey, "") || "?"}`;
    case "exit":
      return "The journey ends";
    default:
      return node.type;
  }
}

function hostOf(url: string): string {
  const match = /^https?:\/\/([^/?#{]+)/.exec(url);
  return match?.[1] ?? (url || "?");
}

export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

export function textOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

export function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
