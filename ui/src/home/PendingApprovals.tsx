import { Anchor, Badge, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import type { Review } from "../journeys/api";
import { ErrorNotice } from "../ui/ErrorNotice";
import { timeAgo } from "../ui/format";
import type { Page } from "../ui/pages";

const KINDS: Record<string, { label: string; path: string }> = {
  journeys: { label: "Journey", path: "/journeys/" },
  templates: { label: "Template", path: "/templates/" },
  broadcasts: { label: "Broadcast", path: "/broadcasts/" },
  models: { label: "Model", path: "/predictions/" },
};

/** Changes waiting for someone who may approve them: shown to them, when there are any. */
export function PendingApprovals() {
  const reviews = useQuery({
    queryKey: ["reviews", "pending", "home"],
    queryFn: () => unwrap<Page<Review>>(api.GET("/api/v1/reviews", { params: { query: { status: "pending", limit: 5 } } })),
    refetchInterval: 60_000,
  });
  if (reviews.isPending || (reviews.isSuccess && !reviews.data.items.length)) return null;
  return (
    <Card>
      <Title order={2} size="h4" mb="md">
        Waiting for your approval
      </Title>
      {reviews.isError ? (
        <ErrorNotice error={reviews.error} title="Could not load the approvals" />
      ) : (
        <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: "none" }}>
          {reviews.data.items.map((review) => {
            const kind = KINDS[review.kind];
            return (
              <Group key={review.id} component="li" justify="space-between" wrap="nowrap" gap="sm">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  {kind ? (
                    <Anchor component={Link} to={`${kind.path}${encodeURIComponent(review.object_key)}`} size="sm" fw={600} truncate>
                      {review.object_key}
                    </Anchor>
                  ) : (
                    <Text size="sm" fw={600} truncate>
                      {review.object_key}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed">
                    {review.requested_by_label ?? "Someone"} asked {timeAgo(review.requested_at)}
                  </Text>
                </Stack>
                <Badge color="violet">{kind?.label ?? review.kind}</Badge>
              </Group>
            );
          })}
        </Stack>
      )}
    </Card>
  );
}
