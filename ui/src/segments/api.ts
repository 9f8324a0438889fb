import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { useCursorPages, type Page } from "../ui/pages";
import type { ComputedDraft, SegmentDraft } from "./document";

/** Segments and computed traits share one API shape (baton/api/segments.py) under two
 * collections. */
export type Collection = "segments" | "computed-traits";

/** A definition as the API answers it (baton/segments/store.py as_json). */
export type Stored<D> = {
  id: string;
  key: string;
  name: string;
  version: number;
  status: "live" | "building";
  progress: number;
  definition: D;
  created_at: string;
  updated_at: string;
};
export type Segment = Stored<SegmentDraft>;
export type ComputedTrait = Stored<ComputedDraft>;

export type Member = { profile_id: string; entered_at?: string; value?: unknown };
export type Preview = { count: number; sample: { profile_id: string; value?: unknown }[] };
export type DayCount = { day: string; count: number };
/** GET /api/v1/schema: the names the workspace's data uses, most frequent first. */
export type Vocabulary = { traits: { key: string; profiles: number }[]; events: { name: string; events: number }[]; sampled_profiles: number };

type Body = components["schemas"]["SegmentDefinition"] | components["schemas"]["ComputedTraitDefinition"];
/** The API parses a definition itself, naming the field at fault (its schema documents the
 * stored form, defaults filled in); a draft leaves defaults out. */
const asBody = (draft: SegmentDraft | ComputedDraft) => draft as unknown as Body;

/** The collection's definitions by key, fifty at a time. */
export function useDefinitions<D>(collection: Collection) {
  return useCursorPages([collection], (cursor) =>
    unwrap<Page<Stored<D>>>(api.GET(`/api/v1/${collection}` as const, { params: { query: { cursor, limit: 50 } } })),
  );
}

export const useSegments = () => useDefinitions<SegmentDraft>("segments");

export function fetchDefinition<D>(collection: Collection, key: string): Promise<Stored<D>> {
  return unwrap<Stored<D>>(api.GET(`/api/v1/${collection}/{ref}` as const, { params: { path: { ref: key } } }));
}

export function useDefinition<D>(collection: Collection, key: string) {
  return useQuery({
    queryKey: [collection, key],
    queryFn: () => fetchDefinition<D>(collection, key),
    // A new definition builds for every profile: look again until it is live.
    refetchInterval: (query) => (query.state.data?.status === "building" ? 1000 : false),
  });
}

/** How many profiles are in it (or have a value) now. */
export function useCount(collection: Collection, key: string, enabled = true) {
  return useQuery({
    queryKey: [collection, key, "count"],
    queryFn: () =>
      unwrap<{ count: number; status: string }>(api.GET(`/api/v1/${collection}/{ref}/count` as const, { params: { path: { ref: key } } })),
    staleTime: 30_000,
    enabled,
  });
}

export const useSegmentCount = (key: string) => useCount("segments", key);

export function fetchMembers(collection: Collection, key: string, cursor: string | undefined, limit: number): Promise<Page<Member>> {
  return unwrap<Page<Member>>(
    api.GET(`/api/v1/${collection}/{ref}/members` as const, { params: { path: { ref: key }, query: { cursor, limit } } }),
  );
}

export function fetchPreview(collection: Collection, draft: SegmentDraft | ComputedDraft, signal: AbortSignal): Promise<Preview> {
  return unwrap<Preview>(api.POST(`/api/v1/${collection}/preview` as const, { body: asBody(draft), signal }));
}

export function useHistory(key: string, days: number, enabled: boolean) {
  return useQuery({
    queryKey: ["segments", key, "history", days],
    queryFn: () =>
      unwrap<{ days: DayCount[] }>(api.GET("/api/v1/segments/{ref}/history", { params: { path: { ref: key }, query: { days } } })),
    enabled,
  });
}

export type Distribution = { profiles: number; sampled: boolean } & (
  | { kind: "numeric"; buckets: { from: number; to: number; profiles: number }[]; min: number; max: number; mean: number }
  | { kind: "categorical"; values: { value: unknown; profiles: number }[]; other: number }
);

/** How a computed trait's values spread: a histogram of numbers, or its most held values. */
export function useDistribution(key: string) {
  return useQuery({
    queryKey: ["computed-traits", key, "distribution"],
    queryFn: () => unwrap<Distribution>(api.GET("/api/v1/computed-traits/{ref}/distribution", { params: { path: { ref: key } } })),
    staleTime: 30_000,
  });
}

export function useVocabulary() {
  return useQuery({
    queryKey: ["schema"],
    queryFn: () => unwrap<Vocabulary>(api.GET("/api/v1/schema")),
    staleTime: 60_000,
  });
}

/** Creates (`isNew`) or changes a definition; the collection's queries read again after. */
export function useSave<D extends SegmentDraft | ComputedDraft>(collection: Collection, isNew: boolean) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (draft: D) =>
      isNew
        ? unwrap<Stored<D>>(api.POST(`/api/v1/${collection}` as const, { body: asBody(draft) }))
        : unwrap<Stored<D>>(api.PUT(`/api/v1/${collection}/{ref}` as const, { params: { path: { ref: draft.key } }, body: asBody(draft) })),
    onSuccess: (saved) => {
      client.setQueryData([collection, saved.key], saved);
      return client.invalidateQueries({ queryKey: [collection] });
    },
  });
}

export function useDelete(collection: Collection) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(api.DELETE(`/api/v1/${collection}/{ref}` as const, { params: { path: { ref: key } } })),
    onSuccess: (_, key) => {
      client.removeQueries({ queryKey: [collection, key] });
      return client.invalidateQueries({ queryKey: [collection] });
    },
  });
}
