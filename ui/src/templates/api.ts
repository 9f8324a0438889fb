import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { useCursorPages, type Page } from "../ui/pages";

/** The parts a template may have (baton/channels/templates.py PARTS), each Liquid. */
export const PARTS = ["subject", "title", "body", "text", "html"] as const;
export type Part = (typeof PARTS)[number];

export const PART_LABELS: Record<Part, string> = {
  subject: "Subject",
  title: "Title",
  body: "Body",
  text: "Plain text",
  html: "HTML",
};

export type Template = { key: string; channel: string; name?: string; created_at: string; updated_at: string } & Partial<
  Record<Part, string>
>;

export type Rendered = { profile_id: string; channel: string } & Partial<Record<Part, string>>;

/** The workspace's templates by key, a hundred at a time: the list and the builder share them. */
export function useTemplates() {
  return useCursorPages(
    ["templates"],
    (cursor) => unwrap<Page<Template>>(api.GET("/api/v1/templates", { params: { query: { cursor, limit: 100 } } })),
    true,
    60_000,
  );
}

export function useTemplate(key: string) {
  return useQuery({
    queryKey: ["templates", key],
    queryFn: () => unwrap<Template>(api.GET("/api/v1/templates/{key}", { params: { path: { key } } })),
  });
}

/** How the preview names its profile: exactly one identifier (baton/api/bodies.py). */
export type ProfileIdentifier = "profile_id" | "user_id" | "email" | "phone";

export function previewTemplate(key: string, by: ProfileIdentifier, value: string): Promise<Rendered> {
  return unwrap<Rendered>(
    api.POST("/api/v1/templates/{key}/preview", { params: { path: { key } }, body: { [by]: value } }),
  );
}
