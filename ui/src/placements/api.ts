import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { useCursorPages, type Page } from "../ui/pages";

/** The shapes of baton/personalize (store.py _json, decide.py Answer.json). */

export type Definition = components["schemas"]["PlacementDefinition"];
export type Content = components["schemas"]["PlacementContent"];
export type Kind = Definition["kind"];
export type Placement = Definition & { version: number; created_at: string; updated_at: string };

/** What the placement shows one visitor, and why. */
export type Shown = {
  placement: string;
  kind: Kind;
  variant: string | null;
  content: Content | null;
  holdout: boolean;
  reason: string;
  impression: string | null;
};

export const KIND_LABELS: Record<Kind, string> = { banner: "Banner", popup: "Pop-up", inline: "Inline content" };

const onKey = (key: string) => ({ params: { path: { key } } });
export const placementKeys = { list: ["placements"], one: (key: string) => ["placements", key] };

export function usePlacements() {
  return useCursorPages(placementKeys.list, (cursor) =>
    unwrap<Page<Placement>>(api.GET("/api/v1/placements", { params: { query: { cursor, limit: 50 } } })),
  );
}

export const getPlacement = (key: string) => unwrap<Placement>(api.GET("/api/v1/placements/{key}", onKey(key)));

export function usePlacement(key: string) {
  return useQuery({ queryKey: placementKeys.one(key), queryFn: () => getPlacement(key) });
}

export function useSavePlacement() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (definition: Definition) => unwrap<Placement>(api.PUT("/api/v1/placements/{key}", { ...onKey(definition.key), body: definition })),
    onSuccess: (saved) => {
      client.setQueryData(placementKeys.one(saved.key), saved);
      return client.invalidateQueries({ queryKey: placementKeys.list, exact: true });
    },
  });
}

export function useDeletePlacement() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(api.DELETE("/api/v1/placements/{key}", onKey(key))),
    onSuccess: (_, key) => {
      client.removeQueries({ queryKey: placementKeys.one(key) });
      return client.invalidateQueries({ queryKey: placementKeys.list, exact: true });
    },
  });
}

/** What the saved placement shows a profile (null: an anonymous visitor). */
export function usePreview(key: string) {
  return useMutation({
    mutationFn: (profileId: string | null) => unwrap<Shown>(api.POST("/api/v1/placements/{key}/preview", { ...onKey(key), body: { profile_id: profileId } })),
  });
}
