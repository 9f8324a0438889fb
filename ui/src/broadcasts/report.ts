import type { Arm } from "../analytics/report";
import { experimentVerdict } from "../analytics/verdict";
import type { Counts, Lift, Status } from "./api";

/** How each status reads, and its colour. */
export const STATUS: Record<Status, { label: string; color: string }> = {
  draft: { label: "Draft", color: "gray" },
  scheduled: { label: "Scheduled", color: "blue" },
  sending: { label: "Sending", color: "teal" },
  paused: { label: "Paused", color: "yellow" },
  sent: { label: "Sent", color: "green" },
  cancelled: { label: "Cancelled", color: "red" },
};

/** The lift against the holdout in plain words, as the journeys' reports say it. */
export function holdoutVerdict(lift: Lift): string {
  const arm = (group: Lift["treated"]): Arm => ({ ...group, probability_to_be_best: 0, revenue_per_profile: 0 });
  const messaged: Arm = {
    ...arm(lift.treated),
    lift: lift.lift,
    lift_interval: lift.lift_interval ?? undefined,
    relative_lift: lift.relative_lift,
    relative_lift_interval: lift.relative_lift_interval,
    p_value: lift.p_value ?? undefined,
    sample_too_small: lift.sample_too_small,
  };
  return experimentVerdict("holdout", { control: "holdout", arms: { holdout: arm(lift.holdout), messaged } });
}

/** One row of a breakdown (per variant, per locale), largest group first, ties by name. */
export function breakdown(groups: Record<string, Counts>): (Counts & { name: string })[] {
  return Object.entries(groups)
    .map(([name, counts]) => ({ name, ...counts }))
    .sort((a, b) => b.recipients - a.recipients || a.name.localeCompare(b.name));
}

/** How far it is: the share of its recipients whose message is sent, skipped or over. */
export function progress(totals: Pick<Counts, "recipients" | "waiting">): number {
  return totals.recipients ? (totals.recipients - totals.waiting) / totals.recipients : 0;
}

/** Which moves the status allows (baton/campaigns/store.py): send a draft; pause or cancel
 * what still has messages to go (a sent broadcast's may wait for their throttled turn);
 * resume what is paused; delete a draft or what is over. */
export function moves(status: Status, waiting: number): { send: boolean; pause: boolean; resume: boolean; cancel: boolean; remove: boolean } {
  const going = status === "scheduled" || status === "sending" || (status === "sent" && waiting > 0);
  return {
    send: status === "draft",
    pause: going,
    resume: status === "paused",
    cancel: going || status === "paused",
    remove: status === "draft" || status === "sent" || status === "cancelled",
  };
}
