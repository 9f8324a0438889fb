import { Skeleton, Stack } from "@mantine/core";

export function HomeCardSkeleton({ rows }: { rows: number }) {
  return (
    <Stack gap="sm" role="status" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, index) => (
        <Skeleton key={index} height={36} radius="md" />
      ))}
    </Stack>
  );
}
