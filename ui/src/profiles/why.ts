import { channelNoun } from "../ui/channels";
import { formatInstant } from "../ui/format";
import { capitalised } from "../ui/text";
import type { ExplainedInstance, ExplainedMessage, JourneyInstance } from "./api";
import { reasonText } from "./timeline";

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** The API's "why" sentences name instants in ISO 8601; people read dates
 * (`Mar 2, 2026, 9:00 AM UTC`). */
export function readableInstants(sentence: string): string {
  return sentence.replace(INSTANT, (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : `${when.format(date)} UTC`;
  });
}

/** Each journey once, in the order its newest instance comes: the journeys to explain. */
export function journeysOf(instances: readonly Pick<JourneyInstance, "journey">[]): string[] {
  return [...new Set(instances.map((instance) => instance.journey))];
}

/** How a visit ended (baton/journeys/interpreter.py), as what the person did. */
const OUTCOMES: Record<string, string> = {
  completed: "finished",
  goal: "reached the goal",
  exited: "left by an exit rule",
  timed_out: "timed out",
  failed: "stopped on an error",
  handed_over: "moved on to another journey",
  archived: "left when the journey was archived",
};

const outcomeText = (outcome: string | null): string => OUTCOMES[outcome ?? "completed"] ?? (outcome ?? "").replaceAll("_", " ");

const step = (node: string): string => `the step “${node}”`;

/** Where an instance stands, in words: "Waiting at the step “first-wait”". */
export function instanceState(instance: Pick<JourneyInstance, "status" | "node" | "waiting" | "outcome">): string {
  if (instance.status === "live") return `${instance.waiting ? "Waiting" : "Now"} at ${step(instance.node)}`;
  return `${capitalised(outcomeText(instance.outcome))} at ${step(instance.node)}`;
}

/** When Baton sent a message: its last `sent` decision. */
function sentAt(message: Pick<ExplainedMessage, "decisions">): string | undefined {
  return message.decisions.findLast((decision) => decision.decision === "sent")?.at;
}

const on = (instant: string | null | undefined): string => (instant ? ` on ${formatInstant(instant)}` : "");

/** Why a person got, or did not get, one message of a journey, for a marketer: "The e-mail
 * “cart-reminder” was sent at the step “email” on Dec 6, 2026, 9:19 AM." */
export function messageWhy(message: ExplainedMessage): string {
  const what = `The ${channelNoun(message.channel)}${message.template ? ` “${message.template}”` : ""}`;
  const where = `at ${step(message.node)}`;
  const reason = message.reason ? ` (${reasonText(message.reason)})` : "";
  switch (message.status) {
    case "delivered":
      return `${what} was sent ${where}${on(sentAt(message))}.`;
    case "sending":
      return `${what} is being sent ${where}.`;
    case "pending":
      return message.reason
        ? `${what} ${where} is held back${reason}${message.due_at ? ` until ${formatInstant(message.due_at)}` : ""}.`
        : `${what} ${where} goes out${on(message.due_at)}.`;
    case "skipped":
      return `${what} ${where} was skipped${reason}.`;
    case "cancelled":
      return `${what} ${where} was cancelled${reason}.`;
    case "failed":
      return `${what} ${where} could not be sent${reason}.`;
  }
}

/** Why one visit of a journey went as it did: when the person entered, then each of its
 * messages, or where it waits or ended before any. */
export function visitWhy(instance: ExplainedInstance): string {
  const entered = `Entered${on(instance.entered_at)}.`;
  if (instance.messages.length > 0) return [entered, ...instance.messages.map(messageWhy)].join(" ");
  if (instance.ended_at === null) {
    const until = instance.wake_at ? ` until ${formatInstant(instance.wake_at)}` : "";
    return `${entered} No message yet: waiting at ${step(instance.node)}${until}.`;
  }
  return `${entered} It ${outcomeText(instance.outcome)} at ${step(instance.node)}${on(instance.ended_at)}, before any message.`;
}

/** One decision Baton took on a message: "Deferred (quiet hours in the person's time zone)
 * on Dec 6, 2026, 11:00 PM, until Dec 7, 2026, 8:00 AM". */
export function decisionText(decision: ExplainedMessage["decisions"][number]): string {
  const reason = decision.reason ? ` (${reasonText(decision.reason)})` : "";
  const until = decision.until ? `, until ${formatInstant(decision.until)}` : "";
  return `${capitalised(decision.decision)}${reason}${on(decision.at)}${until}`;
}
