import type { JourneyStep, ProfileEvent, ProfileMessage } from "./api";

/** A profile's timeline: its events, messages and journey steps, three lists the API
 * pages newest first, merged into one without ever showing a row out of order. */

type TimelineKind = "event" | "message" | "step";

export type TimelineEntry =
  | { kind: "event"; key: string; at: string; time: number; index: number; item: ProfileEvent }
  | { kind: "message"; key: string; at: string; time: number; index: number; item: ProfileMessage }
  | { kind: "step"; key: string; at: string; time: number; index: number; item: JourneyStep };

/** What is loaded of one list: its items in the API's order, and whether that is all. */
export type Loaded<T> = { items: readonly T[]; complete: boolean };

export type TimelineSources = {
  event: Loaded<ProfileEvent>;
  message: Loaded<ProfileMessage>;
  step: Loaded<JourneyStep>;
};

export type MergedTimeline = {
  /** Newest first: every row that no page still to load can come before. */
  entries: TimelineEntry[];
  /** The lists to page further before older rows can show. */
  waitingFor: TimelineKind[];
};

const KINDS: readonly TimelineKind[] = ["event", "message", "step"];
// Rows at the same instant: the event that caused something, then the message, then the step.
const RANK: Record<TimelineKind, number> = { event: 0, message: 1, step: 2 };

/** Microseconds since the epoch of an ISO 8601 instant (`2026-03-02T09:00:00.123456Z`):
 * the API's instants have microseconds, which Date.parse drops. */
export function instantKey(iso: string): number {
  const millis = Date.parse(iso.replace(/(\.\d{3})\d+/, "$1"));
  if (Number.isNaN(millis)) return 0;
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? "";
  const micros = Number(fraction.padEnd(6, "0").slice(3, 6));
  return Math.floor(millis) * 1000 + micros;
}

function entriesOf(sources: TimelineSources): Record<TimelineKind, TimelineEntry[]> {
  return {
    event: sources.event.items.map((item, index) => ({
      kind: "event" as const,
      key: `event:${item.message_id}`,
      at: item.timestamp,
      time: instantKey(item.timestamp),
      index,
      item,
    })),
    message: sources.message.items.map((item, index) => ({
      kind: "message" as const,
      key: `message:${item.id}`,
      at: item.created_at,
      time: instantKey(item.created_at),
      index,
      item,
    })),
    step: sources.step.items.map((item, index) => ({
      kind: "step" as const,
      key: `step:${item.instance_id}:${item.n}`,
      at: item.at,
      time: instantKey(item.at),
      index,
      item,
    })),
  };
}

/** Whether `a` comes before `b` on the timeline (newest first). */
function before(a: TimelineEntry, b: TimelineEntry): boolean {
  if (a.time !== b.time) return a.time > b.time;
  if (a.kind !== b.kind) return RANK[a.kind] < RANK[b.kind];
  return a.index < b.index;
}

/** Whether `entry` comes before anything a list not fully loaded may still hold: its
 * unloaded items are no newer than its last loaded one, and come after it. */
function beforeUnloaded(entry: TimelineEntry, kind: TimelineKind, last: TimelineEntry | undefined): boolean {
  if (last === undefined) return false;
  if (entry.time !== last.time) return entry.time > last.time;
  return RANK[entry.kind] < RANK[kind];
}

export function mergeTimeline(sources: TimelineSources): MergedTimeline {
  const lists = entriesOf(sources);
  const next: Record<TimelineKind, number> = { event: 0, message: 0, step: 0 };
  const entries: TimelineEntry[] = [];
  for (;;) {
    let chosen: TimelineEntry | undefined;
    for (const kind of KINDS) {
      const candidate = lists[kind][next[kind]];
      if (candidate && (chosen === undefined || before(candidate, chosen))) chosen = candidate;
    }
    if (chosen === undefined) break;
    const pick = chosen;
    const safe = KINDS.every(
      (kind) => kind === pick.kind || sources[kind].complete || beforeUnloaded(pick, kind, lists[kind].at(-1)),
    );
    if (!safe) break;
    entries.push(pick);
    next[pick.kind] += 1;
  }
  const waitingFor = KINDS.filter((kind) => !sources[kind].complete && next[kind] === lists[kind].length);
  return { entries, waitingFor };
}

const REASONS: Record<string, string> = {
  quiet_hours: "quiet hours in the person's time zone",
  no_consent: "no consent for this subscription group",
  held_out: "in the journey's holdout group",
  instance_ended: "the journey ended before it was sent",
  suppressed: "the address is suppressed",
  whatsapp_window: "over 24 hours since they last wrote on WhatsApp, and no approved template",
};

/** Why a message was skipped, deferred or cancelled, for people (baton/journeys/why.py). */
export function reasonText(reason: string): string {
  if (reason.startsWith("cap:")) return `frequency cap “${reason.slice(4)}”`;
  return REASONS[reason] ?? reason.replaceAll("_", " ");
}

const STATUSES: Record<ProfileMessage["status"], string> = {
  pending: "Waiting",
  sending: "Sending",
  delivered: "Delivered",
  skipped: "Skipped",
  cancelled: "Cancelled",
  failed: "Failed",
};

/** "Skipped: quiet hours…", "Delivered", "Waiting: frequency cap …". */
export function messageOutcome(message: Pick<ProfileMessage, "status" | "reason" | "detail">): string {
  const status = STATUSES[message.status];
  if (message.reason) return `${status}: ${reasonText(message.reason)}`;
  if (message.status === "failed" && message.detail) return `${status}: ${message.detail}`;
  return status;
}

const ACTIONS: Record<string, string> = {
  message: "queued a message",
  delay: "started waiting",
  wait_for_event: "started waiting for an event",
  wait_until: "started waiting until a time",
  timer: "timer fired",
  timed_out: "stopped waiting (timed out)",
  resumed: "moved on",
  branch: "took a branch",
  split: "was split into an arm",
  holdout: "was checked against the holdout",
  event: "received an event",
  goal: "reached the goal",
  exit_rule: "left by an exit rule",
  ended: "ended",
  webhook: "called a webhook",
  update_profile: "updated the profile",
  enter_journey: "was sent to another journey",
  exit: "left the journey",
  looping: "looped back",
};

export function stepAction(step: Pick<JourneyStep, "action" | "detail">): string {
  const said = ACTIONS[step.action] ?? step.action.replaceAll("_", " ");
  const outcome = step.detail?.outcome;
  return step.action === "ended" && typeof outcome === "string" ? `${said} (${outcome.replaceAll("_", " ")})` : said;
}

/** What an event is called on the timeline. */
export function eventName(event: Pick<ProfileEvent, "type" | "event" | "name">): string {
  switch (event.type) {
    case "track":
      return event.event ?? "Event";
    case "page":
      return event.name ? `Viewed page ${event.name}` : "Viewed a page";
    case "screen":
      return event.name ? `Viewed screen ${event.name}` : "Viewed a screen";
    case "identify":
      return "Identified";
    case "group":
      return "Joined a group";
    case "alias":
      return "Linked another user id";
    default:
      return event.type;
  }
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value.length > 60 ? `${value.slice(0, 59)}…` : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.length}]`;
  return "{…}";
}

/** `sku: A-1 · price: 20 · items: [3]`: a line of the first few values. */
export function compactProperties(values: Record<string, unknown> | null | undefined, most = 6): string {
  if (!values) return "";
  const pairs = Object.entries(values);
  const line = pairs.slice(0, most).map(([key, value]) => `${key}: ${shown(value)}`);
  if (pairs.length > most) line.push(`+${pairs.length - most} more`);
  return line.join(" · ");
}
