import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { ApiError } from "../api/errors";
import { useCursorPages, type Page } from "../ui/pages";
import type { Draft, Problem } from "./draft";

/** The parts a template may have (baton/channels/templates.py PARTS), each Liquid. */
export const PARTS = ["subject", "title", "body", "text", "html"] as const;
export type Part = (typeof PARTS)[number];

/** What the editor keeps as it is, without editing it yet: the approved WhatsApp template
 * and the variants per language (docs/templates.md). */
export type Kept = {
  whatsapp?: components["schemas"]["WhatsAppContent"] | null;
  locales?: Record<string, components["schemas"]["LocaleVariant"]>;
};

export type Template = { key: string; channel: string; name?: string; created_at: string; updated_at: string } & Partial<
  Record<Part, string>
> &
  Kept;

/** The parts rendered, and the language they are in. */
export type Rendered = { profile_id: string; channel: string; locale?: string } & Partial<Record<Part, string>>;

/** The workspace's templates by key, a hundred at a time: the list and the builder share them. */
export function useTemplates() {
  return useCursorPages(
    ["templates"],
    (cursor) => unwrap<Page<Template>>(api.GET("/api/v1/templates", { params: { query: { cursor, limit: 100 } } })),
    true,
    60_000,
  );
}

export function getTemplate(key: string): Promise<Template> {
  return unwrap<Template>(api.GET("/api/v1/templates/{key}", { params: { path: { key } } }));
}

export function useTemplate(key: string) {
  return useQuery({ queryKey: ["templates", key], queryFn: () => getTemplate(key) });
}

/** What saving answers: the stored template, or 202 and a review where changes need approval. */
export type Saved = { held: false; template: Template } | { held: true };

export async function saveTemplate(key: string, document: Draft): Promise<Saved> {
  const { data, error, response } = await api.PUT("/api/v1/templates/{key}", { params: { path: { key } }, body: { ...document, key } });
  if (!response.ok) throw ApiError.from(response.status, error);
  return response.status === 202 ? { held: true } : { held: false, template: data as Template };
}

export function deleteTemplate(key: string): Promise<unknown> {
  return unwrap(api.DELETE("/api/v1/templates/{key}", { params: { path: { key } } }));
}

/** An unsaved draft checked, and rendered for a profile when it has no mistake (baton/api/templates.py). */
export type DraftPreview = { problems: Problem[]; profile_id: string | null; rendered: (Partial<Record<Part, string>> & { channel: string; locale?: string | null }) | null };

/** The draft checked, and rendered for the profile in `locale` (null: the profile's own). */
export function previewDraft(key: string, document: Draft, profileId: string | null, locale: string | null = null): Promise<DraftPreview> {
  return unwrap<DraftPreview>(
    api.POST("/api/v1/templates/preview", { body: { template: { ...document, key }, profile_id: profileId, locale } }),
  );
}

/** The draft checked (and rendered for the profile, if any) a moment after the last keystroke. */
export function useDraftPreview(key: string, document: Draft, profileId: string | null, enabled: boolean, locale: string | null = null) {
  // Debounced as text: a new object each render would restart the wait every render.
  const [asked] = useDebouncedValue(JSON.stringify({ document, profileId, locale }), 400);
  return useQuery({
    queryKey: ["templates", key, "draft-preview", asked],
    queryFn: async () => {
      const { document: sent, profileId: chosen, locale: language } = JSON.parse(asked) as { document: Draft; profileId: string | null; locale: string | null };
      // With what was sent: the problems' lines and columns are in that text.
      return { ...(await previewDraft(key, sent, chosen, language)), sent };
    },
    enabled,
    retry: false,
    placeholderData: keepPreviousData,
  });
}
