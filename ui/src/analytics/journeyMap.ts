import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { periodBounds } from "./period";

/** GET /api/v1/journey-map (baton/analytics/journey_map.py). */
export type StageJourney = { key: string; name: string; status: string; entries: number; goal_rate: number | null };
export type Stage = {
  stage: string;
  journeys: StageJourney[];
  events: string[];
  channels: string[];
  entries: number;
  goals: number;
  delivered: number;
  profiles: number;
  to_next_stage: number | null;
};
export type PainPoint = { journey: string; node: string; kind: "drop_off" | "failure" | "unsubscribe"; rate: number };
export type JourneyMap = { from: string; to: string; stages: Stage[]; pain_points: PainPoint[] };

export const PAIN_LABELS: Record<PainPoint["kind"], string> = {
  drop_off: "People stop here",
  failure: "Sends fail",
  unsubscribe: "People unsubscribe",
};

export function useJourneyMap(days: number) {
  return useQuery({
    queryKey: ["journey-map", days],
    queryFn: () => unwrap<JourneyMap>(api.GET("/api/v1/journey-map", { params: { query: periodBounds(days) } })),
    staleTime: 60_000,
  });
}
