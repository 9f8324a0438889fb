import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";

/** The shapes of baton/sources/registry.py (shown) and baton/api/sources.py. */

export type Preset = components["schemas"]["Saved"]["preset"];
export type Mapping = components["schemas"]["Mapping"];
/** What a source is saved with; `secret` is write-only: left out, the stored one stays. */
export type SourceBody = components["schemas"]["Saved"];

export type Source = {
  key: string;
  preset: Preset;
  name: string;
  default_region: string;
  mapping?: Mapping | null;
  /** The public webhook its sender posts to. */
  url: string;
  path: string;
  received: number;
  rejected: number;
  last_received_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  created_at: string;
  updated_at: string;
};

export type PresetDescription = { preset: Preset; signature: string; events: Record<string, string> };

/** An event the sample made, as the tracking API would store it. */
export type MappedEvent = {
  event: string;
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  timestamp: string | null;
  properties: Record<string, unknown>;
  identities: Record<string, unknown>;
};
export type TestResult = { events: MappedEvent[]; replies: { from: string; body: string; whatsapp: boolean }[] };

export const PRESET_LABELS: Record<Preset, string> = { shopify: "Shopify", stripe: "Stripe", zendesk: "Zendesk", twilio: "Twilio (SMS and WhatsApp)", generic: "Generic JSON" };

/** A source's key: part of a URL every workspace shares, so long enough not to be guessed (baton/sources/definitions.py). */
export const SOURCE_KEY = /^[a-z0-9](?:[a-z0-9-]{6,62})[a-z0-9]$/;

const onKey = (key: string) => ({ params: { path: { source_key: key } } });
export const sourceKeys = { list: ["sources"], one: (key: string) => ["sources", key], presets: ["sources", "presets"] };

export function useSources() {
  return useQuery({ queryKey: sourceKeys.list, queryFn: () => unwrap<{ items: Source[] }>(api.GET("/api/v1/sources")) });
}

export function usePresets() {
  return useQuery({
    queryKey: sourceKeys.presets,
    queryFn: () => unwrap<{ items: PresetDescription[] }>(api.GET("/api/v1/sources/presets")),
    staleTime: Infinity,
  });
}

export const getSource = (key: string) => unwrap<Source>(api.GET("/api/v1/sources/{source_key}", onKey(key)));

export function useSource(key: string) {
  return useQuery({ queryKey: sourceKeys.one(key), queryFn: () => getSource(key) });
}

export function useSaveSource() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ key, body }: { key: string; body: SourceBody }) => unwrap<Source>(api.PUT("/api/v1/sources/{source_key}", { ...onKey(key), body })),
    onSuccess: (saved) => {
      client.setQueryData(sourceKeys.one(saved.key), saved);
      return client.invalidateQueries({ queryKey: sourceKeys.list, exact: true });
    },
  });
}

export function useDeleteSource() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(api.DELETE("/api/v1/sources/{source_key}", onKey(key))),
    onSuccess: (_, key) => {
      client.removeQueries({ queryKey: sourceKeys.one(key) });
      return client.invalidateQueries({ queryKey: sourceKeys.list, exact: true });
    },
  });
}

export function useTestSource(key: string) {
  return useMutation({
    mutationFn: (sample: { payload: unknown; headers: Record<string, string> }) =>
      unwrap<TestResult>(api.POST("/api/v1/sources/{source_key}/test", { ...onKey(key), body: sample as components["schemas"]["Sample"] })),
  });
}
