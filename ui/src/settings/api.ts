import { api, unwrap } from "../api/client";
import type { Page } from "../ui/pages";

export type Workspace = {
  id: string;
  key: string;
  name: string;
  timezone: string;
  require_approval: string[];
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
export const fetchAudit = (cursor: string | undefined) =>
  unwrap<Page<AuditEntry>>(api.GET("/api/v1/audit", { params: { query: { cursor, limit: 50 } } }));
