import { api, unwrap } from "../api/client";
import type { Page } from "../ui/pages";

/** The profile calls of the console and the shapes Baton answers them with
 * (baton/api/profiles.py, messages.py, journeys.py, consent.py, privacy.py). */

export type Segment = { id: string; key: string; name: string; entered_at: string | null };

export type Profile = {
  id: string;
  /** Identifier kind → values (`user_id`, `email`, `phone`, `anonymous_id`, custom kinds). */
  identifiers: Record<string, string[]>;
  /** The identifiers other users were seen with too (a family tablet, a shared inbox). */
  shared_identifiers: Record<string, string[]>;
  traits: Record<string, unknown>;
  /** Computed trait key → value, with `first_seen_at` and `last_seen_at`. */
  computed: Record<string, unknown>;
  first_seen: string | null;
  last_seen: string | null;
  event_count: number;
  created_at: string;
  merged_from: string[];
  segments: Segment[];
};

export type Merge = { merged_id: string; into: string; reason: string; message_id: string | null; at: string };

/** One profile as GET /profiles/{id} answers it: with the merges it went through. */
export type ProfileDetail = Profile & { merges: Merge[] };

export type ProfileEvent = {
  message_id: string;
  type: "track" | "identify" | "page" | "screen" | "group" | "alias";
  event: string | null;
  name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  timestamp: string;
  received_at: string;
  properties: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
};

export type MessageStatus = "pending" | "sending" | "delivered" | "skipped" | "cancelled" | "failed";

export type ProfileMessage = {
  id: string;
  journey: string | null;
  version: number | null;
  instance_id: string | null;
  node: string | null;
  channel: string;
  template: string | null;
  subscription_group: string | null;
  status: MessageStatus;
  created_at: string;
  due_at: string | null;
  dispatched_at: string | null;
  detail: string | null;
  reason: string | null;
  transactional: boolean;
};

export type JourneyStep = {
  instance_id: string;
  journey: string;
  version: number;
  n: number;
  at: string;
  node: string;
  action: string;
  detail: Record<string, unknown> | null;
};

export type JourneyInstance = {
  id: string;
  journey: string;
  version: number;
  status: "live" | "ended";
  node: string;
  waiting: boolean;
  wake_at: string | null;
  entered_at: string;
  ended_at: string | null;
  outcome: string | null;
  goal_at: string | null;
  holdout: boolean;
};

export type Decision = { at: string; decision: string; reason?: string; until?: string };

export type ExplainedMessage = {
  node: string;
  channel: string;
  template: string | null;
  status: MessageStatus;
  reason: string | null;
  due_at: string | null;
  decisions: Decision[];
  why: string;
};

export type ExplainedInstance = {
  id: string;
  version: number;
  entered_at: string;
  ended_at: string | null;
  outcome: string | null;
  node: string;
  wake_at: string | null;
  messages: ExplainedMessage[];
  answer: string;
};

export type Reason = { code: string; message: string; detail?: Record<string, unknown> };

/** GET /journeys/{key}/why: entered (with each instance explained) or why not. */
export type WhyAnswer = {
  journey: string;
  profile_id: string;
  entered: boolean;
  answer: string;
  instances?: ExplainedInstance[];
  reasons?: Reason[];
  last_refusal?: { reason: string; message: string; at: string; times: number };
};

export type ConsentState = { subscribed: boolean; changed_at: string; source: string };

export type ConsentChange = {
  group: string;
  subscribed: boolean;
  at: string;
  source: string;
  evidence: Record<string, unknown> | null;
};

export type Consent = { profile_id: string; groups: Record<string, ConsentState>; history: ConsentChange[] };

export type OptIn = "implicit" | "explicit" | "double";

export type ErasureReceipt = {
  erasure_id: string;
  profile_ids: string[];
  erased_at: string;
  suppressed: boolean;
  deleted: Record<string, number>;
  compacted_at: string | null;
};

/** What the search box asks: text (an identifier, a profile id, words in traits) or one
 * trait's value. */
export type ProfileSearch = { q: string } | { trait: string; value: string };

const onProfile = (id: string) => ({ params: { path: { profile_id: id } } });

export function searchProfiles(search: ProfileSearch, cursor: string | undefined, limit = 25): Promise<Page<Profile>> {
  const query = "q" in search ? { q: search.q || undefined } : { trait: search.trait, value: search.value };
  return unwrap(api.GET("/api/v1/profiles", { params: { query: { ...query, cursor, limit } } }));
}

export function getProfile(id: string): Promise<ProfileDetail> {
  return unwrap(api.GET("/api/v1/profiles/{profile_id}", onProfile(id)));
}

export function profileEvents(id: string, cursor: string | undefined, limit = 200): Promise<Page<ProfileEvent>> {
  return unwrap(api.GET("/api/v1/profiles/{profile_id}/events", { params: { path: { profile_id: id }, query: { cursor, limit } } }));
}

export function profileMessages(id: string, cursor: string | undefined, limit = 100): Promise<Page<ProfileMessage>> {
  return unwrap(api.GET("/api/v1/messages", { params: { query: { profile_id: id, cursor, limit } } }));
}

export function profileSteps(id: string, cursor: string | undefined, limit = 200): Promise<Page<JourneyStep>> {
  return unwrap(
    api.GET("/api/v1/profiles/{profile_id}/journey-steps", { params: { path: { profile_id: id }, query: { cursor, limit } } }),
  );
}

export function profileJourneys(id: string, cursor: string | undefined, limit = 20): Promise<Page<JourneyInstance>> {
  return unwrap(api.GET("/api/v1/profiles/{profile_id}/journeys", { params: { path: { profile_id: id }, query: { cursor, limit } } }));
}

export function whyAnswer(key: string, profileId: string): Promise<WhyAnswer> {
  return unwrap(api.GET("/api/v1/journeys/{key}/why", { params: { path: { key }, query: { profile_id: profileId } } }));
}

export function getConsent(id: string): Promise<Consent> {
  return unwrap(api.GET("/api/v1/profiles/{profile_id}/consent", onProfile(id)));
}

export function setConsent(id: string, group: string, subscribed: boolean): Promise<Consent & { pending_confirmation: boolean }> {
  return unwrap(
    api.PUT("/api/v1/profiles/{profile_id}/consent/{group}", {
      params: { path: { profile_id: id, group } },
      body: { subscribed, evidence: { via: "console" } },
    }),
  );
}

/** The workspace's subscription groups and how people join each. */
export async function subscriptionGroups(): Promise<Record<string, OptIn>> {
  const policy = await unwrap<{ subscription_groups?: Record<string, { opt_in: OptIn }> }>(api.GET("/api/v1/policy"));
  return Object.fromEntries(Object.entries(policy.subscription_groups ?? {}).map(([name, group]) => [name, group.opt_in]));
}

export function exportProfile(id: string): Promise<unknown> {
  return unwrap(api.GET("/api/v1/profiles/{profile_id}/export", onProfile(id)));
}

export function eraseProfile(id: string, suppress: boolean): Promise<ErasureReceipt> {
  return unwrap(api.DELETE("/api/v1/profiles/{profile_id}", { params: { path: { profile_id: id }, query: { suppress } } }));
}

export function getErasure(id: string): Promise<ErasureReceipt> {
  return unwrap(api.GET("/api/v1/erasures/{erasure_id}", { params: { path: { erasure_id: id } } }));
}
