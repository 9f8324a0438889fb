import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { periodBounds } from "./period";

/** GET /api/v1/journeys/{key}/report (baton/analytics/journey_report.py, docs/analytics.md). */
export type Interval = [number, number];

export type Arm = {
  profiles: number;
  conversions: number;
  rate: number;
  rate_interval: Interval;
  probability_to_be_best: number;
  revenue_per_profile: number;
  // Only on the arms compared with the control:
  lift?: number;
  lift_interval?: Interval;
  relative_lift?: number | null;
  relative_lift_interval?: Interval | null;
  p_value?: number;
  revenue_per_profile_difference_interval?: Interval | null;
  sample_too_small?: boolean;
};

/** `holdout` (control: `holdout`) or `split:NODE` (control: the arm named `control`, else the first). */
export type Experiment = { control: string; arms: Record<string, Arm> };

export type NodeMessages = {
  by_status: Record<string, number>;
  skipped: Record<string, number>;
  opened: number;
  clicked: number;
  unsubscribed: number;
  opened_rate: number | null;
  clicked_rate: number | null;
  unsubscribed_rate: number | null;
};

export type NodeFigures = {
  entered: number;
  exited: number;
  goals: number;
  dropped: number;
  waiting: number;
  messages?: NodeMessages;
};

export type JourneyReport = {
  journey: string;
  from: string;
  to: string;
  entries: number;
  profiles: number;
  goals: {
    conversions: number;
    rate: number;
    median_seconds_to_goal: number | null;
    p90_seconds_to_goal: number | null;
  };
  revenue: { last_touch: number; first_touch: number; orders_last_touch: number; orders_first_touch: number };
  cost: number | null;
  roi: number | null;
  attribution_window: string;
  nodes: Record<string, NodeFigures>;
  experiments: Record<string, Experiment>;
  daily: { day: string; entries: number; goals: number; delivered: number; revenue_last_touch: number }[];
};

/** The journey's nodes as a funnel: the most visited first (the start), ties by name. */
export function nodeFunnel(report: Pick<JourneyReport, "nodes">): (NodeFigures & { node: string })[] {
  return Object.entries(report.nodes)
    .map(([node, figures]) => ({ node, ...figures }))
    .sort((a, b) => b.entered - a.entered || a.node.localeCompare(b.node));
}

/** The CSV export of the same figures as the report answered (its period). */
export function csvHref(key: string, query: { from: string; to: string }): string {
  return `/api/v1/journeys/${encodeURIComponent(key)}/report.csv?${new URLSearchParams(query).toString()}`;
}

export function useJourneyReport(key: string, days: number) {
  return useQuery({
    queryKey: ["journey-report", key, days],
    queryFn: () =>
      unwrap<JourneyReport>(
        api.GET("/api/v1/journeys/{key}/report", { params: { path: { key }, query: periodBounds(days) } }),
      ),
    enabled: key !== "",
    staleTime: 60_000,
  });
}
