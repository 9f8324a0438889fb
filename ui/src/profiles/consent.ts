import { channelLabel } from "../ui/channels";
import type { Consent, OptIn } from "./api";

/** A profile's consent as the console lists it: everything, each channel, each
 * subscription group, with what decides it (baton/channels/consent.py). */

export type ConsentRow = {
  /** The group the API takes: `*`, `channel:sms` or a subscription group's name. */
  group: string;
  label: string;
  scope: "everything" | "channel" | "group";
  subscribed: boolean;
  /** Where the answer comes from, in words. */
  basis: string;
  changedAt: string | null;
};

const EVERYTHING = "*";
const CHANNEL = "channel:";
/** The channels whose marketing messages a person can leave as a whole. */
const MARKETING_CHANNELS = ["email", "sms", "push", "inbox"];

function unsubscribedByTraits(traits: Record<string, unknown>, group: string | null): boolean {
  if (traits.unsubscribed === true) return true;
  const subscriptions = traits.subscriptions;
  return group !== null && typeof subscriptions === "object" && subscriptions !== null && (subscriptions as Record<string, unknown>)[group] === false;
}

function row(group: string, consent: Consent, traits: Record<string, unknown>, optIn: OptIn | undefined): ConsentRow {
  const scope = group === EVERYTHING ? "everything" : group.startsWith(CHANNEL) ? "channel" : "group";
  const channel = group.slice(CHANNEL.length);
  const label =
    scope === "everything" ? "All marketing" : scope === "channel" ? `${channelLabel(channel)} (whole channel)` : group;
  const recorded = consent.groups[group];
  if (recorded) {
    const how = recorded.source.replaceAll("_", " ");
    return { group, label, scope, subscribed: recorded.subscribed, basis: `Set by ${how}`, changedAt: recorded.changed_at };
  }
  if (scope === "group" && (optIn === "explicit" || optIn === "double")) {
    const basis = optIn === "double" ? "Not subscribed: needs a confirmed opt-in" : "Not subscribed: needs an opt-in";
    return { group, label, scope, subscribed: false, basis, changedAt: null };
  }
  if (unsubscribedByTraits(traits, scope === "group" ? group : null)) {
    return { group, label, scope, subscribed: false, basis: "Unsubscribed by the person's traits", changedAt: null };
  }
  return { group, label, scope, subscribed: true, basis: "Subscribed until they opt out", changedAt: null };
}

export function consentRows(consent: Consent, traits: Record<string, unknown>, groups: Record<string, OptIn>): ConsentRow[] {
  const recorded = Object.keys(consent.groups);
  const channels = new Set([...MARKETING_CHANNELS.map((name) => CHANNEL + name), ...recorded.filter((g) => g.startsWith(CHANNEL))]);
  const named = new Set([...Object.keys(groups), ...recorded.filter((g) => g !== EVERYTHING && !g.startsWith(CHANNEL))]);
  return [EVERYTHING, ...channels, ...[...named].sort()].map((group) => row(group, consent, traits, groups[group]));
}
