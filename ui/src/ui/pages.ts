import { useInfiniteQuery, type QueryKey } from "@tanstack/react-query";

/** A page of a list as the API answers it (baton/api/cursors.py). */
export type Page<T> = { items: T[]; next: string | null };

/** A list read page by page through the API's cursors, never all at once. Once stale
 * (after `staleTime` ms), mounting it again reads every page it holds again. */
export function useCursorPages<T>(
  key: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  enabled = true,
  staleTime = 0,
) {
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Page<T>) => last.next ?? undefined,
    enabled,
    staleTime,
  });
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  return { ...query, items };
}
