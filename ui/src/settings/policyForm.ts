import type { Cap, Policy } from "./api";

/** One frequency cap as its form row holds it: every value as typed, channel and
 * subscription group empty for "any". */
export type CapRow = { name: string; max: string; per: string; channel: string; subscription_group: string };

/** The parts of the policy the console edits; the rest of the policy is kept as it was. */
export type TimingForm = {
  timezone: string;
  quiet: boolean;
  start: string;
  end: string;
  /** Empty: quiet on every channel. */
  channels: string[];
  caps: CapRow[];
};

const DURATION = /^(\d+\s*(s|m|h|d|w)|P[0-9YMWDTHS]+)$/i;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function formOf(policy: Policy): TimingForm {
  const quiet = policy.quiet_hours;
  return {
    timezone: policy.timezone ?? "",
    quiet: quiet !== undefined && quiet !== null,
    start: quiet?.start ?? "21:00",
    end: quiet?.end ?? "08:00",
    channels: quiet?.channels ?? [],
    caps: policy.caps.map((cap) => ({
      name: cap.name,
      max: String(cap.max),
      per: cap.per,
      channel: cap.channel ?? "",
      subscription_group: cap.subscription_group ?? "",
    })),
  };
}

/** A new cap's row, named so as not to clash with the others. */
export function newCap(rows: CapRow[]): CapRow {
  const taken = new Set(rows.map((row) => row.name));
  let number = rows.length + 1;
  while (taken.has(`cap-${number}`)) number += 1;
  return { name: `cap-${number}`, max: "1", per: "1d", channel: "", subscription_group: "" };
}

/** What is wrong with the form, by field path (`caps.0.max`, `quiet_hours.start`); empty when nothing. */
export function problems(form: TimingForm): Record<string, string> {
  const found: Record<string, string> = {};
  const names = new Set<string>();
  form.caps.forEach((cap, index) => {
    const at = `caps.${index}`;
    if (!NAME.test(cap.name)) found[`${at}.name`] = "Lower-case letters, digits, - and _, starting with a letter or digit.";
    else if (names.has(cap.name)) found[`${at}.name`] = "Another cap has this name.";
    names.add(cap.name);
    const max = Number(cap.max);
    if (!/^\d+$/.test(cap.max.trim()) || max < 1 || max > 10_000) found[`${at}.max`] = "A whole number from 1 to 10000.";
    if (!DURATION.test(cap.per.trim())) found[`${at}.per`] = "A period such as 12h, 1d or 1w.";
  });
  if (form.quiet) {
    if (!CLOCK.test(form.start)) found["quiet_hours.start"] = "A time such as 21:00.";
    if (!CLOCK.test(form.end)) found["quiet_hours.end"] = "A time such as 08:00.";
    else if (form.start === form.end) found["quiet_hours.end"] = "Quiet hours must end at another time than they start.";
  }
  return found;
}

/** The policy to save: `policy` with the form's caps, quiet hours and time zone. */
export function policyOf(policy: Policy, form: TimingForm): Policy {
  const caps: Cap[] = form.caps.map((row) => ({
    name: row.name.trim(),
    max: Number(row.max),
    per: row.per.replace(/\s+/g, ""),
    ...(row.channel ? { channel: row.channel } : {}),
    ...(row.subscription_group ? { subscription_group: row.subscription_group } : {}),
  }));
  const { quiet_hours: _quiet, timezone: _zone, ...rest } = policy;
  return {
    ...rest,
    caps,
    ...(form.timezone.trim() ? { timezone: form.timezone.trim() } : {}),
    ...(form.quiet ? { quiet_hours: { start: form.start, end: form.end, ...(form.channels.length ? { channels: form.channels } : {}) } } : {}),
  };
}

/** Where in the form the API's `field` (`caps.0.max`, `quiet_hours`) points: the key
 * `problems` would use, so the message shows beside its input. */
export function formField(field: string | null): string | null {
  if (!field) return null;
  if (field === "quiet_hours") return "quiet_hours.end";
  return field.replace(/^body\./, "");
}
