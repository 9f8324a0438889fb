import { isRecord } from "../definition";

/** The kinds of trigger of docs/journeys.md, named by their leading key. */
export const TRIGGER_KINDS = [
  { value: "event", label: "An event" },
  { value: "segment_entered", label: "Entering a segment" },
  { value: "segment_exited", label: "Leaving a segment" },
  { value: "schedule", label: "A schedule" },
  { value: "date_trait", label: "A date on the profile" },
  { value: "api", label: "The API" },
] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number]["value"];

export function triggerKind(trigger: unknown): TriggerKind | null {
  if (!isRecord(trigger)) return null;
  return TRIGGER_KINDS.find((kind) => kind.value in trigger)?.value ?? null;
}

export function describeTrigger(trigger: unknown): string {
  if (!isRecord(trigger)) return "Nothing starts it yet";
  const where = Array.isArray(trigger.where) && trigger.where.length > 0 ? ` (${trigger.where.length} filter${trigger.where.length > 1 ? "s" : ""})` : "";
  switch (triggerKind(trigger)) {
    case "event":
      return `When someone does ${text(trigger.event)}${where}`;
    case "segment_entered":
      return `When someone enters ${text(trigger.segment_entered)}`;
    case "segment_exited":
      return `When someone leaves ${text(trigger.segment_exited)}`;
    case "schedule":
      return `On schedule ${text(trigger.schedule)} for ${text(trigger.segment)}`;
    case "date_trait": {
      const offset = typeof trigger.offset === "string" && trigger.offset.trim() !== "0s" ? ` ${trigger.offset}` : "";
      return `On ${text(trigger.date_trait)}${offset} at ${typeof trigger.at === "string" ? trigger.at : "09:00"}`;
    }
    case "api":
      return "When the API enters someone";
    default:
      return "An unknown trigger";
  }
}

/** A condition (docs/segments.md) in a few words. */
export function describeCondition(condition: unknown): string {
  if (!isRecord(condition)) return "?";
  const [kind] = Object.keys(condition);
  switch (kind) {
    case "has":
      return `has ${text(condition.has)}`;
    case "segment":
      return `in ${text(condition.segment)}`;
    case "not":
      return `not ${describeCondition(condition.not)}`;
    case "all":
    case "any": {
      const parts = Array.isArray(condition[kind]) ? condition[kind] : [];
      return parts.length === 1 ? describeCondition(parts[0]) : `${kind} of ${parts.length} conditions`;
    }
    case "trait":
    case "computed":
      return `${text(condition[kind])} ${text(condition.op).replace(/_/g, " ")} ${short(condition.value)}`.trim();
    case "event":
      return `did ${text(condition.event)}`;
    default:
      return kind ?? "?";
  }
}

export function describeGoal(goal: unknown): string | null {
  if (!isRecord(goal)) return null;
  if (typeof goal.event === "string") return goal.event;
  if (typeof goal.segment_entered === "string") return `enters ${goal.segment_entered}`;
  if (goal.condition !== undefined) return describeCondition(goal.condition);
  return "?";
}

export function describeExits(exitOn: unknown): string | null {
  if (!Array.isArray(exitOn) || exitOn.length === 0) return null;
  return exitOn
    .map((rule) => {
      if (!isRecord(rule)) return "?";
      if (typeof rule.event === "string") return rule.event;
      if (typeof rule.segment_entered === "string") return `enters ${rule.segment_entered}`;
      if (typeof rule.segment_exited === "string") return `leaves ${rule.segment_exited}`;
      return describeCondition(rule.condition);
    })
    .join(", ");
}

export function describeReentry(reentry: unknown): string {
  if (reentry === "never") return "Once per person";
  if (isRecord(reentry) && typeof reentry.cooldown === "string") return `Again ${reentry.cooldown} after leaving`;
  return "Again after leaving";
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "?";
}

function short(value: unknown): string {
  if (value === undefined) return "";
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  return shown.length > 24 ? `${shown.slice(0, 23)}…` : shown;
}
