import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";

/** The shapes of baton/predict/views.py (prediction_json, profile_predictions) and of each
 * kind's metrics (baton/predict/classification.py, clv.py, recommendations.py, sentiment.py). */

export type Kind = "classification" | "clv" | "recommendations" | "sentiment";
export type Status = "new" | "training" | "ready" | "failed";
export type VersionStatus = "ready" | "pending_approval" | "rejected" | "blocked";
export type Window = { start: string | null; end: string | null };

export type Feature = {
  name: string;
  type: string;
  importance?: number;
  /** How the type was read from the values ("from 'Yes'/'No'"). */
  inferred?: string;
  source?: string;
  key?: string;
  description?: string;
};

export type ClassificationMetrics = {
  auc: number;
  pr_auc: number;
  evaluation?: string;
  positives?: number;
  rows?: number;
  base_rate?: number;
  calibration?: { bin: string; count: number; mean_predicted: number; observed_rate: number }[];
  lift?: { decile: number; count: number; rate: number; lift: number | null }[];
  baseline?: { model: string; auc: number; pr_auc: number };
  beats_baseline?: boolean;
  dropped_features?: { name: string; reason: string }[];
};

/** Predictions are null where a degenerate fit could not compute them. */
export type HoldoutGroup = { calibration_purchases: string; customers: number; actual_mean: number; predicted_mean: number | null };

export type ClvMetrics = {
  params: Record<string, number>;
  customers?: number;
  repeat_purchases?: number;
  time_unit?: string;
  notes?: string[];
  holdout?: {
    start: string;
    end: string;
    length: number;
    unit: string;
    customers: number;
    actual_total: number;
    predicted_total: number | null;
    relative_error: number | null;
    by_calibration_purchases: HoldoutGroup[];
  };
};

export type RecommendationMetrics = {
  k: number;
  evaluated_people: number;
  holdout?: string;
  precision_at_k?: number;
  recall_at_k?: number;
  popularity?: { precision_at_k: number; recall_at_k: number };
  beats_popularity?: boolean;
  people?: number;
  items?: number;
  interactions?: number;
};

export type SentimentMetrics = {
  accuracy: Record<string, number | null>;
  supported: Record<string, boolean>;
  language_detection?: Record<string, number>;
  samples?: Record<string, number>;
  analysers?: Record<string, string>;
};

export type Metrics = Partial<ClassificationMetrics> & Partial<ClvMetrics> & Partial<RecommendationMetrics> & Partial<SentimentMetrics>;

export type FairnessGroup = { group: string; count: number; mean_score: number; rate_above: number; pooled: boolean };
export type FairnessTrait = {
  groups: FairnessGroup[];
  rate_gap: number;
  mean_gap: number;
  largest_gap: number;
  within_bound: boolean;
  pooled_groups: string[];
  comparable: boolean;
};
export type Fairness =
  | { checked: false; note: string }
  | { checked?: undefined; threshold: number; max_gap: number; profiles: number; traits: Record<string, FairnessTrait>; within_bound: boolean; blocks?: boolean };

export type ModelCard = {
  trained_at: string;
  data_window: Window;
  features: string[];
  metrics: Metrics;
  fairness: Fairness;
  intended_use: string;
  limits: string[];
  scores_as?: string;
  version?: number;
};

export type Version = {
  version: number;
  status: VersionStatus;
  active: boolean;
  trained_at: string;
  window: Window | null;
  metrics: Metrics;
  review_id: string | null;
};

export type Definition = Record<string, unknown> & { key: string; kind: Kind };

export type PredictionSummary = {
  key: string;
  name: string;
  kind: Kind;
  status: Status;
  progress: number;
  error: string | null;
  version: number | null;
  trait: string;
  training_requested: boolean;
  training_started_at: string | null;
  next_train_at: string | null;
  trained_at: string | null;
  updated_at: string;
  metrics: Metrics | null;
  definition: Definition;
};

export type Prediction = PredictionSummary & {
  features: Feature[];
  window: Window | null;
  model_card: ModelCard | null;
  versions: Version[];
};

export type ProfileScore = {
  key: string;
  name: string;
  kind: Kind;
  trait: string;
  score: number | null;
  decile: number | null;
  traits: Record<string, unknown>;
  detail: { items?: string[]; source?: string; supported?: boolean } & Record<string, unknown>;
  version: number;
  scored_at: string;
  reasons: { text: string; feature: string; effect: number }[];
};

type Body = components["schemas"]["ClassificationDefinition"];
const onKey = (key: string) => ({ params: { path: { key } } });

/** Whether the prediction is training or waits to: its page looks again until it is done. */
export const busy = (p: Pick<PredictionSummary, "status" | "training_requested"> | undefined) =>
  p !== undefined && (p.status === "training" || p.status === "new" || p.training_requested);

export function usePredictions() {
  return useQuery({
    queryKey: ["predictions"],
    queryFn: () => unwrap<{ items: PredictionSummary[] }>(api.GET("/api/v1/predictions")),
    refetchInterval: (query) => (query.state.data?.items.some(busy) ? 2000 : false),
  });
}

export function fetchPrediction(key: string): Promise<Prediction> {
  return unwrap<Prediction>(api.GET("/api/v1/predictions/{key}", onKey(key)));
}

export function usePrediction(key: string) {
  return useQuery({
    queryKey: ["predictions", key],
    queryFn: () => fetchPrediction(key),
    refetchInterval: (query) => (busy(query.state.data) ? 1000 : false),
  });
}

/** Saves a definition (created when new, trained then); the lists read again after. */
export function useSavePrediction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (definition: Definition) =>
      unwrap<Prediction>(api.PUT("/api/v1/predictions/{key}", { ...onKey(definition.key), body: definition as unknown as Body })),
    onSuccess: (saved) => {
      client.setQueryData(["predictions", saved.key], saved);
      return client.invalidateQueries({ queryKey: ["predictions"], exact: true });
    },
  });
}

function useChange(call: (key: string, version?: number) => Promise<Prediction>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ key, version }: { key: string; version?: number }) => call(key, version),
    onSuccess: (found) => {
      client.setQueryData(["predictions", found.key], found);
      return client.invalidateQueries({ queryKey: ["predictions"] });
    },
  });
}

export const useTrain = () => useChange((key) => unwrap<Prediction>(api.POST("/api/v1/predictions/{key}/train", onKey(key))));

export const useRollback = () =>
  useChange((key, version) => unwrap<Prediction>(api.POST("/api/v1/predictions/{key}/rollback", { ...onKey(key), body: { version: version ?? 1 } })));

export function useProfilePredictions(profileId: string) {
  return useQuery({
    queryKey: ["profiles", profileId, "predictions"],
    queryFn: () =>
      unwrap<{ profile_id: string; predictions: ProfileScore[] }>(
        api.GET("/api/v1/profiles/{profile_id}/predictions", { params: { path: { profile_id: profileId } } }),
      ),
  });
}
