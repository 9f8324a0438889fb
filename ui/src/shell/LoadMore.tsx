import { Button, Group } from "@mantine/core";

/** The next page of a list read through the API's cursors, when there is one. */
export function LoadMore({ hasMore, loading, onLoad }: { hasMore: boolean; loading: boolean; onLoad: () => void }) {
  if (!hasMore) return null;
  return (
    <Group justify="center" mt="md">
      <Button variant="default" loading={loading} onClick={onLoad}>
        Show more
      </Button>
    </Group>
  );
}
