import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import type { Interval } from "../analytics/report";
import { useCursorPages, type Page } from "../ui/pages";

/** The shapes of baton/campaigns/store.py (Broadcast.json) and outcomes.py (broadcast_report). */

export type Definition = components["schemas"]["BroadcastDefinition"];
export type Status = "draft" | "scheduled" | "sending" | "paused" | "sent" | "cancelled";

export type Broadcast = {
  id: string;
  key: string;
  name: string;
  status: Status;
  definition: Definition;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** How many messages are in the outbox so far. */
  queued: number;
  winner: string | null;
  winner_reason: string | null;
  /** Cheap counts for lists: everyone in its audience so far (a draft's uploaded people
   * included), and the messages sent and delivered. */
  summary: Pick<Counts, "recipients" | "sent" | "delivered">;
};

export type Counts = {
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  skipped: number;
  cancelled: number;
  waiting: number;
  opens: number;
  clicks: number;
  unsubscribes: number;
  conversions: number;
  revenue: number;
  opens_rate: number | null;
  clicks_rate: number | null;
  unsubscribes_rate: number | null;
};

type Group = { profiles: number; conversions: number; rate: number; rate_interval: Interval };

export type Lift = {
  treated: Group;
  holdout: Group;
  lift: number;
  lift_interval: Interval | null;
  relative_lift: number | null;
  relative_lift_interval: Interval | null;
  p_value: number | null;
  revenue_per_profile_difference_interval: Interval | null;
  sample_too_small: boolean;
};

export type Report = {
  key: string;
  status: Status;
  started_at: string | null;
  recipients: number;
  holdout_size: number;
  totals: Counts;
  variants: Record<string, Counts>;
  locales: Record<string, Counts>;
  holdout: Lift | null;
  ab_test?: { winner: string | null; reason: string | null };
};

/** Why one profile did or did not get it (baton/campaigns/why.py), `answer` in words. */
export type Why = {
  broadcast: string;
  profile_id: string;
  answer: string;
  cohort?: string | null;
  variant?: string | null;
  message?: { id: string; channel: string; template: string; status: string; reason: string | null; locale: string | null; due_at: string | null; dispatched_at: string | null };
};

/** What a CSV upload found: its rows, the people added, the rows that named nobody. */
export type Upload = { rows: number; added: number; unknown: number };

export type Move = "send" | "pause" | "resume" | "cancel";

const onKey = (key: string) => ({ params: { path: { key } } });
export const broadcastKeys = { list: ["broadcasts"], one: (key: string) => ["broadcasts", key], report: (key: string) => ["broadcasts", key, "report"] };

/** Whether messages may still go out: its page and report look again while they do. */
export const active = (status: Status | undefined) => status === "scheduled" || status === "sending";

export function useBroadcasts() {
  return useCursorPages(broadcastKeys.list, (cursor) =>
    unwrap<Page<Broadcast>>(api.GET("/api/v1/broadcasts", { params: { query: { cursor, limit: 50 } } })),
  );
}

export function getBroadcast(key: string): Promise<Broadcast> {
  return unwrap<Broadcast>(api.GET("/api/v1/broadcasts/{key}", onKey(key)));
}

export function useBroadcast(key: string) {
  return useQuery({
    queryKey: broadcastKeys.one(key),
    queryFn: () => getBroadcast(key),
    refetchInterval: (query) => (active(query.state.data?.status) ? 2000 : false),
  });
}

export function useReport(key: string, status: Status | undefined, enabled = true) {
  return useQuery({
    queryKey: broadcastKeys.report(key),
    queryFn: () => unwrap<Report>(api.GET("/api/v1/broadcasts/{key}/report", onKey(key))),
    enabled: enabled && status !== undefined && status !== "draft",
    refetchInterval: active(status) ? 3000 : false,
    staleTime: 10_000,
  });
}

function useStored() {
  const client = useQueryClient();
  return (found: Broadcast) => {
    client.setQueryData(broadcastKeys.one(found.key), found);
    void client.invalidateQueries({ queryKey: broadcastKeys.list, exact: true });
    void client.invalidateQueries({ queryKey: broadcastKeys.report(found.key) });
  };
}

/** Saves the draft (created when new). */
export function useSaveBroadcast() {
  const stored = useStored();
  return useMutation({
    mutationFn: (definition: Definition) => unwrap<Broadcast>(api.PUT("/api/v1/broadcasts/{key}", { ...onKey(definition.key), body: definition })),
    onSuccess: stored,
  });
}

/** Sends, pauses, resumes or cancels it. */
export function useMove() {
  const stored = useStored();
  return useMutation({
    mutationFn: ({ key, move }: { key: string; move: Move }) => unwrap<Broadcast>(api.POST(`/api/v1/broadcasts/{key}/${move}`, onKey(key))),
    onSuccess: stored,
  });
}

export function useDeleteBroadcast() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(api.DELETE("/api/v1/broadcasts/{key}", onKey(key))),
    onSuccess: (_, key) => {
      client.removeQueries({ queryKey: broadcastKeys.one(key) });
      return client.invalidateQueries({ queryKey: broadcastKeys.list, exact: true });
    },
  });
}

export function useUploadRecipients(key: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (csv: string) => unwrap<Upload>(api.POST("/api/v1/broadcasts/{key}/recipients", { ...onKey(key), body: { csv } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: broadcastKeys.one(key), exact: true });
      void client.invalidateQueries({ queryKey: broadcastKeys.list, exact: true });
    },
  });
}

export function useWhy(key: string, profileId: string | null) {
  return useQuery({
    queryKey: [...broadcastKeys.one(key), "why", profileId],
    queryFn: () => unwrap<Why>(api.GET("/api/v1/broadcasts/{key}/why", { params: { path: { key }, query: { profile_id: profileId ?? "" } } })),
    enabled: profileId !== null,
  });
}
