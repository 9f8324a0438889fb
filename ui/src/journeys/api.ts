import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import type { Page } from "../ui/pages";
import type { JourneyDefinition } from "./definition";

/** The journey calls of the console and the shapes Baton answers them with
 * (baton/api/journeys.py, baton/journeys/reports.py and simulation.py). */

export type JourneyStatus = "draft" | "published" | "paused" | "archived";

export type Journey = {
  id: string;
  key: string;
  name: string;
  status: JourneyStatus;
  version: number;
  published_version: number | null;
  draft_version: number | null;
  created_at: string;
  updated_at: string;
  definition: JourneyDefinition;
  published_definition?: JourneyDefinition;
};

export type JourneySummary = Journey & {
  entered?: number;
  in_progress?: number;
  goal_rate?: number | null;
};

export type Review = {
  id: string;
  kind: string;
  object_key: string;
  status: "pending" | "approved" | "rejected";
  requested_by: string | null;
  requested_by_label: string | null;
  requested_at: string;
  decided_by_label: string | null;
  decided_at: string | null;
  comment: string | null;
};

/** What a publish answers: the journey, or (202) the review it became. */
export type PublishOutcome = { held: false; journey: Journey } | { held: true; review: Review };

export type VersionSummary = {
  version: number;
  status: "draft" | "published" | "superseded";
  created_at: string;
  published_at: string | null;
  created_by: string | null;
};

export type JourneyVersion = { version: number; definition: JourneyDefinition };

export type NodeStats = { entered: number; waiting: number; exited: number; goals?: number };

export type JourneyStats = {
  instances: number;
  live: number;
  goals: { reached: number; rate: number; mean_seconds_to_goal: number | null };
  nodes: Record<string, NodeStats>;
};

export type Step = { at: string; node: string; action: string };

export type Decision = { decision: string; reason?: string; until?: string };

export type PathMessage = { node: string; channel: string; template: string; decisions: Decision[]; to?: string | null };

export type TrialRunResult = {
  profile_id: string;
  from: string;
  to: string;
  entered: boolean;
  refusal?: string;
  outcome?: string | null;
  node?: string;
  steps?: Step[];
  messages?: PathMessage[];
};

export type BacktestResult = {
  version: number;
  from: string;
  to: string;
  events_replayed: number;
  entered: number;
  refused: Record<string, number>;
  outcomes: Record<string, number>;
  live_at_end: number;
  goals: { reached: number; rate: number };
  nodes: Record<string, NodeStats>;
};

export type Person = { id: string; email?: string | null; user_id?: string | null; name?: string | null };

export type Instance = {
  id: string;
  profile_id: string;
  profile?: Person;
  node: string;
  waiting: boolean;
  wake_at: string | null;
  entered_at: string;
};

export type TemplateSummary = {
  name: string;
  title: string;
  stage: string;
  industries: string[];
  description: string;
  journeys: string[];
};

export type TemplateParameter = { default: unknown; description: string };

export type TemplateDetail = TemplateSummary & { parameters: Record<string, TemplateParameter> };

export type Installed = { name: string; installed: { kind: string; key: string; action: string }[] };

const path = (key: string) => ({ params: { path: { key } } });

export function listJourneys(cursor: string | undefined, limit = 50): Promise<Page<JourneySummary>> {
  return unwrap(api.GET("/api/v1/journeys", { params: { query: { limit, cursor } } }));
}

export function getJourney(key: string): Promise<Journey> {
  return unwrap(api.GET("/api/v1/journeys/{key}", path(key)));
}

export function saveJourney(definition: JourneyDefinition): Promise<Journey & { change: string }> {
  const body = definition as unknown as components["schemas"]["JourneyDefinition"];
  return unwrap(api.PUT("/api/v1/journeys/{key}", { ...path(definition.key), body }));
}

export async function publishJourney(key: string, migrate: boolean): Promise<PublishOutcome> {
  const answer = api.POST("/api/v1/journeys/{key}/publish", { ...path(key), body: { migrate, dry_run: false } });
  const { response } = await answer;
  const found = await unwrap<Journey | Review>(answer);
  return response.status === 202 ? { held: true, review: found as Review } : { held: false, journey: found as Journey };
}

export type LifecycleAction = "pause" | "resume" | "archive";

export function changeStatus(key: string, action: LifecycleAction): Promise<Journey> {
  if (action === "pause") return unwrap(api.POST("/api/v1/journeys/{key}/pause", path(key)));
  if (action === "resume") return unwrap(api.POST("/api/v1/journeys/{key}/resume", path(key)));
  return unwrap(api.POST("/api/v1/journeys/{key}/archive", path(key)));
}

/** The review waiting for a decision on this journey's publication, if any: the pending
 * reviews of the workspace, read page by page until it is found. */
export async function pendingReview(key: string): Promise<Review | null> {
  let cursor: string | undefined;
  do {
    const query = { status: "pending" as const, limit: 100, cursor };
    const page = await unwrap<Page<Review>>(api.GET("/api/v1/reviews", { params: { query } }));
    const found = page.items.find((review) => review.kind === "journeys" && review.object_key === key);
    if (found) return found;
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  return null;
}

export function decideReview(id: string, decision: "approve" | "reject"): Promise<Review> {
  const params = { params: { path: { review_id: id } } };
  if (decision === "approve") return unwrap(api.POST("/api/v1/reviews/{review_id}/approve", params));
  return unwrap(api.POST("/api/v1/reviews/{review_id}/reject", params));
}

export function listVersions(key: string, cursor: string | undefined): Promise<Page<VersionSummary>> {
  return unwrap(api.GET("/api/v1/journeys/{key}/versions", { params: { path: { key }, query: { cursor, limit: 50 } } }));
}

export function getVersion(key: string, version: number): Promise<JourneyVersion> {
  return unwrap(api.GET("/api/v1/journeys/{key}/versions/{version}", { params: { path: { key, version } } }));
}

export function getStats(key: string): Promise<JourneyStats> {
  return unwrap(api.GET("/api/v1/journeys/{key}/stats", path(key)));
}

export function peopleAtNode(key: string, node: string, cursor: string | undefined): Promise<Page<Instance>> {
  const query = { node, live: true, cursor, limit: 20 };
  return unwrap(api.GET("/api/v1/journeys/{key}/instances", { params: { path: { key }, query } }));
}

export function backtest(key: string, from: string, to: string): Promise<BacktestResult> {
  return unwrap(api.POST("/api/v1/journeys/{key}/simulate", { ...path(key), body: { from, to, sample: 0 } }));
}

export type TrialRunRequest = { profile_id: string; horizon: string; entry_rules: boolean };

export function testRun(key: string, request: TrialRunRequest): Promise<TrialRunResult> {
  return unwrap(api.POST("/api/v1/journeys/{key}/test-run", { ...path(key), body: request }));
}

export function listTemplates(): Promise<{ items: TemplateSummary[] }> {
  return unwrap(api.GET("/api/v1/journey-templates"));
}

export function getTemplate(name: string): Promise<TemplateDetail> {
  return unwrap(api.GET("/api/v1/journey-templates/{name}", { params: { path: { name } } }));
}

export function installTemplate(name: string, parameters: Record<string, unknown>, publish: boolean): Promise<Installed> {
  return unwrap(api.POST("/api/v1/journey-templates", { body: { name, parameters, publish } }));
}
