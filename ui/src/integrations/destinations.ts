import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { useCursorPages, type Page } from "../ui/pages";

/** The shapes of baton/api/destinations.py: settings as saved, secrets masked. */

export type Kind = "webhook" | "crm" | "audience";
export type Settings = Record<string, unknown> & { kind?: Kind; url?: string; name?: string | null };
type Body = components["schemas"]["WebhookDestinationSettings"];

export type Destination = {
  key: string;
  kind: Kind;
  settings: Settings;
  next_run_at: string | null;
  last_run: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
};

export type DeliveryStatus = "pending" | "delivered" | "dead";
export type Delivery = {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  items: number;
  next_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
};

export const KIND_LABELS: Record<Kind, string> = { webhook: "Webhook", crm: "CRM sync", audience: "Ad audience" };
/** How a masked secret reads: sent back as it is, the stored secret stays. */
export const MASK = "********";

const onKey = (key: string) => ({ params: { path: { key } } });
export const destinationKeys = {
  list: ["destinations"],
  one: (key: string) => ["destinations", key],
  deliveries: (key: string, status: DeliveryStatus | null) => ["destinations", key, "deliveries", status],
};

export function useDestinations() {
  return useQuery({ queryKey: destinationKeys.list, queryFn: () => unwrap<{ items: Destination[] }>(api.GET("/api/v1/destinations")) });
}

export const getDestination = (key: string) => unwrap<Destination>(api.GET("/api/v1/destinations/{key}", onKey(key)));

export function useDestination(key: string) {
  return useQuery({ queryKey: destinationKeys.one(key), queryFn: () => getDestination(key) });
}

export function useSaveDestination() {
  const client = useQueryClient();
  return useMutation({
    // The API tells the three kinds apart by `kind` and names the field at fault.
    mutationFn: ({ key, settings }: { key: string; settings: Settings }) =>
      unwrap<Destination>(api.PUT("/api/v1/destinations/{key}", { ...onKey(key), body: settings as unknown as Body })),
    onSuccess: (saved) => {
      client.setQueryData(destinationKeys.one(saved.key), saved);
      return client.invalidateQueries({ queryKey: destinationKeys.list, exact: true });
    },
  });
}

export function useDeleteDestination() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(api.DELETE("/api/v1/destinations/{key}", onKey(key))),
    onSuccess: (_, key) => {
      client.removeQueries({ queryKey: destinationKeys.one(key) });
      return client.invalidateQueries({ queryKey: destinationKeys.list, exact: true });
    },
  });
}

export function useTestDestination(key: string) {
  return useMutation({ mutationFn: () => unwrap<{ status: string; detail?: string }>(api.POST("/api/v1/destinations/{key}/test", onKey(key))) });
}

export function useDeliveries(key: string, status: DeliveryStatus | null) {
  return useCursorPages(destinationKeys.deliveries(key, status), (cursor) =>
    unwrap<Page<Delivery>>(api.GET("/api/v1/destinations/{key}/deliveries", { params: { path: { key }, query: { status: status ?? undefined, cursor, limit: 50 } } })),
  );
}

/** Sends dead deliveries again: those of `ids`, or every one. */
export function useReplay(key: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[] | null) => unwrap<{ replayed: number }>(api.POST("/api/v1/destinations/{key}/replay", { ...onKey(key), body: { ids } })),
    onSuccess: () => client.invalidateQueries({ queryKey: [...destinationKeys.one(key), "deliveries"] }),
  });
}

/** Where it sends, in words: the URL's host and path. */
export function target(settings: Settings): string {
  if (typeof settings.url !== "string") return "–";
  try {
    const url = new URL(settings.url);
    return `${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return settings.url;
  }
}

/** What it sends, in words. */
export function forwards(destination: Pick<Destination, "kind" | "settings">): string {
  const { settings } = destination;
  const names = (field: string) => (Array.isArray(settings[field]) ? (settings[field] as unknown[]).map(String) : []);
  if (destination.kind === "audience") return `Segment ${String(settings.segment)} as a ${settings.format === "google" ? "Google Customer Match" : "Meta Custom Audience"} file, ${String(settings.schedule ?? "daily")}`;
  if (destination.kind === "crm") {
    const fields = Object.keys((settings.fields as Record<string, unknown> | undefined) ?? {});
    return `${fields.length} contact ${fields.length === 1 ? "field" : "fields"}${settings.segment ? ` for segment ${String(settings.segment)}` : ""}`;
  }
  const parts = [
    names("events").length ? `events ${names("events").join(", ")}` : null,
    names("segments").length ? `entries and exits of ${names("segments").join(", ")}` : null,
    names("traits").length ? `changes of ${names("traits").join(", ")}` : null,
  ].filter(Boolean);
  return parts.length ? `${parts.join("; ")}` : "–";
}

/** A first definition of each kind, to change before saving (docs/destinations.md). */
export const STARTERS: Record<Kind, string> = {
  webhook: `kind: webhook
name: Order events
url: https://example.com/baton-events
# Forward these events, entries into and exits from these segments, and changes of these traits.
events: [Order Completed]
segments: []
traits: []
batch_size: 100
batch_wait: 10s
max_attempts: 8
`,
  crm: `kind: crm
name: CRM contacts
url: https://crm.example.com/api
# token: a bearer token for the CRM (write-only)
id_trait: email
fields:
  email: {trait: email, transform: lower, rule: baton_wins}
  first_name: {trait: first_name, rule: fill_empty}
  plan: {trait: plan, rule: newest_wins}
`,
  audience: `kind: audience
name: VIP audience
url: https://uploads.example.com/audiences/vip
segment: vip
format: meta  # or google
schedule: daily
method: PUT
`,
};

/** A kind's starter named as the person typed it when they made it (quoted as YAML reads
 * a JSON string), or as it comes when they typed none. */
export function starter(kind: Kind, name: string): string {
  return name ? STARTERS[kind].replace(/^name: .*$/m, `name: ${JSON.stringify(name)}`) : STARTERS[kind];
}
