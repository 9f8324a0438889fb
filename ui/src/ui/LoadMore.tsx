import { Button, Group } from "@mantine/core";

type PagedList = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };

/** The next page of a list read through the API's cursors (useCursorPages), when there is one. */
export function LoadMore({ list, label = "Show more", size }: { list: PagedList; label?: string; size?: "xs" | "sm" }) {
  if (!list.hasNextPage) return null;
  return (
    <Group justify="center" mt="md" mb="xs">
      <Button variant="default" size={size} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
        {label}
      </Button>
    </Group>
  );
}
