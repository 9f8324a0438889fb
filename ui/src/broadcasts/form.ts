import { fromPercent, toPercent } from "../journeys/builder/percent";
import type { Definition } from "./api";

/** The broadcast form's fields, one per input; `toDefinition(toForm(d))` gives `d` back
 * for any definition the API stores (its defaults written out). What a choice hides (the
 * segment once the audience is a list) is kept, so that choosing back restores it. */
export type BroadcastForm = {
  key: string;
  name: string;
  channel: string;
  template: string;
  subscriptionGroup: string;
  audience: AudienceKind;
  segment: string;
  /** Profile ids, one a line. */
  profiles: string;
  send: SendKind;
  /** An instant with its offset ("2026-12-24T09:00:00Z"). */
  at: string;
  localTime: string;
  date: string;
  throttle: ThrottleKind;
  perMinute: number | "";
  spreadHours: number | "";
  abTest: boolean;
  variants: { key: string; template: string }[];
  samplePercent: number | "";
  metric: Metric;
  wait: string;
  holdoutPercent: number | "";
  goal: boolean;
  goalEvent: string;
  goalWithin: string;
  priority: number | "";
};

export type AudienceKind = "segment" | "profiles" | "upload";
export type SendKind = "now" | "at" | "local";
export type ThrottleKind = "none" | "per_minute" | "spread";
export type Metric = "opens" | "clicks" | "goal";

export const METRICS: { value: Metric; label: string }[] = [
  { value: "opens", label: "Opens" },
  { value: "clicks", label: "Clicks" },
  { value: "goal", label: "Goal conversions" },
];

/** A new broadcast's form: sent now to a segment, by e-mail, no test, no holdout. */
export function emptyForm(key: string, name: string): BroadcastForm {
  return {
    key,
    name,
    channel: "email",
    template: "",
    subscriptionGroup: "",
    audience: "segment",
    segment: "",
    profiles: "",
    send: "now",
    at: "",
    localTime: "09:00",
    date: "",
    throttle: "none",
    perMinute: "",
    spreadHours: "",
    abTest: false,
    variants: [
      { key: "a", template: "" },
      { key: "b", template: "" },
    ],
    samplePercent: 20,
    metric: "opens",
    wait: "4h",
    holdoutPercent: 0,
    goal: false,
    goalEvent: "",
    goalWithin: "7d",
    priority: 50,
  };
}

export function toForm(definition: Definition): BroadcastForm {
  const d = definition;
  const empty = emptyForm(d.key, d.name);
  const send = d.send;
  return {
    ...empty,
    channel: d.channel,
    template: d.template,
    subscriptionGroup: d.subscription_group ?? "",
    audience: d.audience.segment != null ? "segment" : d.audience.profiles != null ? "profiles" : "upload",
    segment: d.audience.segment ?? "",
    profiles: (d.audience.profiles ?? []).join("\n"),
    send: send.local_time != null ? "local" : send.at != null && send.at !== "now" ? "at" : "now",
    at: send.at != null && send.at !== "now" ? send.at : "",
    localTime: send.local_time ?? empty.localTime,
    date: send.date ?? "",
    throttle: d.throttle?.per_minute != null ? "per_minute" : d.throttle?.spread_hours != null ? "spread" : "none",
    perMinute: d.throttle?.per_minute ?? "",
    spreadHours: d.throttle?.spread_hours ?? "",
    abTest: d.ab_test != null,
    variants: d.ab_test ? d.ab_test.variants.map((v) => ({ ...v })) : empty.variants,
    samplePercent: d.ab_test ? toPercent(d.ab_test.sample) : empty.samplePercent,
    metric: d.ab_test?.metric ?? "opens",
    wait: d.ab_test?.wait ?? empty.wait,
    holdoutPercent: toPercent(d.holdout),
    goal: d.goal != null,
    goalEvent: d.goal?.event ?? "",
    goalWithin: d.goal?.within ?? empty.goalWithin,
    priority: d.priority,
  };
}

/** The definition the form stands for; the API checks it and names the field at fault. */
export function toDefinition(form: BroadcastForm): Definition {
  const definition: Definition = {
    key: form.key,
    name: form.name,
    channel: form.channel,
    template: form.template,
    audience:
      form.audience === "segment"
        ? { segment: form.segment }
        : form.audience === "profiles"
          ? { profiles: profileIds(form.profiles) }
          : { upload: true },
    send: form.send === "now" ? { at: "now" } : form.send === "at" ? { at: form.at } : { local_time: form.localTime, date: form.date },
    holdout: fromPercent(form.holdoutPercent) ?? 0,
    priority: typeof form.priority === "number" ? form.priority : 50,
  };
  if (form.subscriptionGroup.trim()) definition.subscription_group = form.subscriptionGroup.trim();
  if (form.throttle === "per_minute") definition.throttle = { per_minute: numberOr(form.perMinute) };
  if (form.throttle === "spread") definition.throttle = { spread_hours: numberOr(form.spreadHours) };
  if (form.abTest) {
    definition.ab_test = {
      variants: form.variants.map((v) => ({ ...v })),
      sample: fromPercent(form.samplePercent) ?? 0,
      metric: form.metric,
      wait: form.wait,
    };
  }
  if (form.goal) definition.goal = { event: form.goalEvent, within: form.goalWithin };
  return definition;
}

/** An emptied number input still sends a value, for the API to name the field. */
const numberOr = (value: number | ""): number => (value === "" ? 0 : value);

export function profileIds(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}

/** A variant key not taken yet: "c" after "a" and "b". */
export function nextVariantKey(taken: readonly { key: string }[]): string {
  const keys = new Set(taken.map((v) => v.key));
  for (let i = 0; ; i++) {
    const key = i < 26 ? String.fromCharCode(97 + i) : `v${i + 1}`;
    if (!keys.has(key)) return key;
  }
}

/** An instant of the API as a datetime-local input shows it, in the reader's zone. */
export function toLocalInput(instant: string): string {
  const parsed = new Date(instant);
  if (!instant || Number.isNaN(parsed.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${parsed.getFullYear()}-${pad(parsed.getMonth() + 1)}-${pad(parsed.getDate())}T${pad(parsed.getHours())}:${pad(parsed.getMinutes())}`;
}

/** What a datetime-local input holds (the reader's zone) as an instant in UTC, or "". */
export function fromLocalInput(value: string): string {
  const parsed = new Date(value);
  return value && !Number.isNaN(parsed.getTime()) ? parsed.toISOString().replace(".000Z", "Z") : "";
}

/** When it goes, in words: "now", "at Dec 24, 2026, 9:00 AM", "at 09:00 local time on 2026-12-24". */
export function sendSummary(send: Definition["send"], formatInstant: (value: string) => string): string {
  if (send.local_time != null) return `at ${send.local_time} in each person's time zone on ${send.date ?? "–"}`;
  if (send.at == null || send.at === "now") return "as soon as it is sent";
  return `at ${formatInstant(send.at)}`;
}

/** Whom it goes to, in words. */
export function audienceSummary(audience: Definition["audience"]): string {
  if (audience.segment != null) return `segment ${audience.segment}`;
  if (audience.profiles != null) return `${audience.profiles.length} listed ${audience.profiles.length === 1 ? "profile" : "profiles"}`;
  return "an uploaded CSV";
}
