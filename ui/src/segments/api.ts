import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { useCursorPages, type Page } from "../ui/pages";

/** A segment as GET /api/v1/segments answers it (baton/segments/store.py as_json). */
export type Segment = {
  id: string;
  key: string;
  name: string;
  version: number;
  status: "live" | "building";
  progress: number;
  definition: Record<string, unknown>;
  created_at: string;
  updated_at: string;
};

export type Member = { profile_id: string; entered_at: string };

/** The workspace's segments by key, fifty at a time: each row of the list counts its members. */
export function useSegments() {
  return useCursorPages(["segments"], (cursor) =>
    unwrap<Page<Segment>>(api.GET("/api/v1/segments", { params: { query: { cursor, limit: 50 } } })),
  );
}

export function useSegment(key: string) {
  return useQuery({
    queryKey: ["segments", key],
    queryFn: () => unwrap<Segment>(api.GET("/api/v1/segments/{ref}", { params: { path: { ref: key } } })),
  });
}

/** How many profiles are in the segment now. */
export function useSegmentCount(key: string) {
  return useQuery({
    queryKey: ["segments", key, "count"],
    queryFn: () =>
      unwrap<{ count: number; status: string }>(api.GET("/api/v1/segments/{ref}/count", { params: { path: { ref: key } } })),
    staleTime: 30_000,
  });
}

export function fetchMembers(key: string, cursor: string | undefined, limit: number): Promise<Page<Member>> {
  return unwrap<Page<Member>>(
    api.GET("/api/v1/segments/{ref}/members", { params: { path: { ref: key }, query: { cursor, limit } } }),
  );
}
