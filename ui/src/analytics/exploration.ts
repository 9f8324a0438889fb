import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { api, unwrap } from "../api/client";
import { useVocabulary } from "../segments/api";
import { periodBounds } from "./period";

/** The answers of POST /api/v1/analytics/funnel and /paths and GET /analytics/cohorts
 * (baton/analytics/funnels.py and exploration.py). */
export type FunnelStep = {
  event: string;
  profiles: number;
  conversion_from_previous: number | null;
  conversion_from_first: number | null;
  median_seconds_from_previous: number | null;
};
export type FunnelAnswer = { entered: number; completed: number; by_step: FunnelStep[] };

export type PathsDirection = "after" | "before";
export type PathsAnswer = { event: string; direction: PathsDirection; profiles: number; paths: { path: string[]; profiles: number }[] };

export type CohortsBy = "first_seen" | "first_order";
export type CohortsPeriod = "week" | "month";
export type Cohort = { cohort: string; profiles: number; active: number[]; retention: (number | null)[] };
export type CohortsAnswer = { by: CohortsBy; period: CohortsPeriod; cohorts: Cohort[] };

/** The event names a step can be, from the names the workspace's data uses
 * (GET /api/v1/schema), most frequent first, with how many events of each. */
export function useEventChoices() {
  const vocabulary = useVocabulary();
  const choices = useMemo(
    () => (vocabulary.data?.events ?? []).map((name) => ({ value: name.name, label: `${name.name} (${name.events})` })),
    [vocabulary.data],
  );
  return { choices, isPending: vocabulary.isPending, error: vocabulary.error };
}

/** A funnel of `steps` (event names, two at least) over the last `days` days. */
export function useFunnel(steps: string[], window: string, days: number) {
  return useQuery({
    queryKey: ["analytics-funnel", steps, window, days],
    queryFn: () =>
      unwrap<FunnelAnswer>(
        api.POST("/api/v1/analytics/funnel", { body: { steps: steps.map((event) => ({ event })), window, ...periodBounds(days) } }),
      ),
    enabled: steps.length >= 2 && steps.every((step) => step !== ""),
    staleTime: 60_000,
  });
}

export function usePaths(event: string, direction: PathsDirection, steps: number, days: number) {
  return useQuery({
    queryKey: ["analytics-paths", event, direction, steps, days],
    queryFn: () =>
      unwrap<PathsAnswer>(api.POST("/api/v1/analytics/paths", { body: { event, direction, steps, top: 10, ...periodBounds(days) } })),
    enabled: event !== "",
    staleTime: 60_000,
  });
}

export function useCohorts(by: CohortsBy, period: CohortsPeriod, days: number) {
  return useQuery({
    queryKey: ["analytics-cohorts", by, period, days],
    queryFn: () =>
      unwrap<CohortsAnswer>(api.GET("/api/v1/analytics/cohorts", { params: { query: { by, period, ...periodBounds(days) } } })),
    staleTime: 60_000,
  });
}
