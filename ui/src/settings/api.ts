import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import type { Page } from "../ui/pages";
import type { Role } from "./roles";

/** What a workspace may require approval for. */
export type ApprovalKind = components["schemas"]["Kind"];

export type Workspace = {
  id: string;
  key: string;
  name: string;
  timezone: string;
  require_approval: ApprovalKind[];
  is_default: boolean;
  created_at: string;
};

export type Cap = { name: string; max: number; per: string; channel?: string; subscription_group?: string };
export type Policy = {
  timezone?: string;
  caps: Cap[];
  quiet_hours?: { start: string; end: string; channels?: string[] };
  constants: Record<string, unknown>;
  subscription_groups: Record<string, { opt_in: string; confirmation_template?: string }>;
  pauses: { name: string; segment: string; subscription_groups?: string[]; recheck: string }[];
  event_names: Record<string, string>;
  message_costs: Record<string, number>;
  event_retention?: string;
};

export type Member = { id: string; email: string; name: string | null; role: string; since: string };
export type Invitation = { id: string; email: string; role: string; invited_by: string | null; created_at: string; expires_at: string };

export type ApiKey = {
  id: string;
  kind: string;
  browser: boolean;
  hint: string;
  role: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
};

export type AuditEntry = {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null; address: string | null };
  action: string;
  object: { type: string; id: string | null } | null;
};

export const fetchWorkspace = () => unwrap<Workspace>(api.GET("/api/v1/workspace"));
export const fetchPolicy = () => unwrap<Policy>(api.GET("/api/v1/policy"));
export const fetchMembers = (cursor: string | undefined) =>
  unwrap<Page<Member>>(api.GET("/api/v1/users", { params: { query: { cursor, limit: 100 } } }));
export const fetchInvitations = (cursor: string | undefined) =>
  unwrap<Page<Invitation>>(api.GET("/api/v1/invitations", { params: { query: { cursor, limit: 100 } } }));
export const fetchKeys = (cursor: string | undefined) =>
  unwrap<Page<ApiKey>>(api.GET("/api/v1/keys", { params: { query: { cursor, limit: 100 } } }));
/** What the audit trail is narrowed to; empty strings narrow nothing. */
export type AuditFilter = { actor: string; action: string; object: string; from: string; to: string };

/** The filter as the API's query: the days picked (YYYY-MM-DD, both included) as instants in UTC, empty values left out. */
export function auditQuery(filter: AuditFilter): Partial<AuditFilter> {
  const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
  const period = { ...filter, from: filter.from ? `${filter.from}T00:00:00Z` : "", to: filter.to ? nextDay(filter.to) : "" };
  return Object.fromEntries(Object.entries(period).map(([name, value]) => [name, value.trim()]).filter(([, value]) => value !== ""));
}

export const fetchAudit = (filter: AuditFilter, signIns: boolean) => (cursor: string | undefined) => {
  const given = auditQuery(filter);
  return unwrap<Page<AuditEntry>>(api.GET("/api/v1/audit", { params: { query: { ...given, sign_ins: signIns, cursor, limit: 50 } } }));
};

export const savePolicy = (policy: Policy) =>
  unwrap<Policy>(api.PUT("/api/v1/policy", { body: policy as unknown as components["schemas"]["Policy"] }));

/** A channel's provider settings as the API shows them: secrets masked. */
export type ChannelSettings = { channel: string; retired?: Record<string, { until: string }[]> } & Record<string, unknown>;
type ChannelBody = components["schemas"]["WebhookSettings"];

export const fetchChannels = () => unwrap<{ items: ChannelSettings[] }>(api.GET("/api/v1/channels"));
export const saveChannel = (channel: string, body: Record<string, unknown>) =>
  unwrap<ChannelSettings>(api.PUT("/api/v1/channels/{channel}", { params: { path: { channel } }, body: body as ChannelBody }));

export const changeRole = (userId: string, role: Role) =>
  unwrap<Member>(api.PUT("/api/v1/users/{user_id}/role", { params: { path: { user_id: userId } }, body: { role } }));
export const removeMember = (userId: string) => unwrap(api.DELETE("/api/v1/users/{user_id}", { params: { path: { user_id: userId } } }));
export const signOutEverywhere = (userId: string) =>
  unwrap<{ ended: number }>(api.DELETE("/api/v1/users/{user_id}/sessions", { params: { path: { user_id: userId } } }));

/** The answer to an invitation: whether the mail went, and the link when Baton could not send it. */
export type Invited = Invitation & { mail: { sent: boolean; reason: string | null }; link?: string };
export const invite = (email: string, role: Role) =>
  unwrap<Invited>(api.POST("/api/v1/invitations", { body: { email, role } }));
export const withdrawInvitation = (id: string) =>
  unwrap(api.DELETE("/api/v1/invitations/{invitation_id}", { params: { path: { invitation_id: id } } }));

export type NewKey = { kind: "write" | "admin"; role?: Role; expires_in?: string; browser: boolean };
/** A key as made: its secret is in `key`, shown this once. */
export type MadeKey = ApiKey & { key: string; expiry_capped: boolean };
export const createKey = (body: NewKey) => unwrap<MadeKey>(api.POST("/api/v1/keys", { body: body }));
export const revokeKey = (id: string) => unwrap(api.DELETE("/api/v1/keys/{key_id}", { params: { path: { key_id: id } } }));

export type Review = {
  id: string;
  kind: string;
  object_key: string;
  status: string;
  requested_by: string | null;
  requested_by_label: string | null;
  requested_at: string;
  comment: string | null;
};
export type ReviewChange = { path: string; before?: unknown; after?: unknown } & Record<string, unknown>;
export type ReviewDetail = Review & { proposed: unknown; changes: ReviewChange[] };
export const fetchPendingReviews = (cursor: string | undefined) =>
  unwrap<Page<Review>>(api.GET("/api/v1/reviews", { params: { query: { status: "pending", cursor, limit: 50 } } }));
export const fetchReview = (id: string) =>
  unwrap<ReviewDetail>(api.GET("/api/v1/reviews/{review_id}", { params: { path: { review_id: id } } }));
export function decide(id: string, decision: "approve" | "reject", comment: string): Promise<Review> {
  const params = { params: { path: { review_id: id } }, body: comment ? { comment } : undefined };
  if (decision === "approve") return unwrap(api.POST("/api/v1/reviews/{review_id}/approve", params));
  return unwrap(api.POST("/api/v1/reviews/{review_id}/reject", params));
}

export const fetchWorkspaces = (cursor: string | undefined) =>
  unwrap<Page<Workspace>>(api.GET("/api/v1/workspaces", { params: { query: { cursor, limit: 100 } } }));
export const createWorkspace = (name: string, key: string) =>
  unwrap<{ workspace: Workspace; write_key: string; admin_key: string }>(
    api.POST("/api/v1/workspaces", { body: key ? { name, key } : { name } }),
  );
export const changeWorkspace = (change: { name?: string; require_approval?: ApprovalKind[] }) =>
  unwrap<Workspace>(api.PATCH("/api/v1/workspace", { body: change }));
export const deleteWorkspace = (confirm: string) => unwrap(api.DELETE("/api/v1/workspace", { params: { query: { confirm } } }));
