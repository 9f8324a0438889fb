import { Anchor, Badge, Card, Group, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { IconCircleCheck, IconClockPause, IconMailX, IconTrendingDown, type Icon } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { isNotFound } from "../api/errors";
import { ErrorNotice } from "../ui/ErrorNotice";
import { sentence } from "../ui/text";
import { HomeCardSkeleton } from "./HomeCardSkeleton";

type Reason = "failing_sends" | "approval_waiting" | "goal_down";
type Attention = { journey: string; name: string; reason: Reason; message: string; count: number };

const REASONS: Record<Reason, { icon: Icon; color: string; label: string }> = {
  failing_sends: { icon: IconMailX, color: "red", label: "Sends failing" },
  approval_waiting: { icon: IconClockPause, color: "violet", label: "Waiting for approval" },
  goal_down: { icon: IconTrendingDown, color: "pink", label: "Goal rate down" },
};

/** Journeys with sends failing, approvals waiting or goal rates down. */
export function NeedsAttention() {
  const attention = useQuery({
    queryKey: ["attention"],
    queryFn: () => unwrap<{ items: Attention[] }>(api.GET("/api/v1/attention")),
    refetchInterval: 60_000,
  });
  return (
    <Card h="100%">
      <Title order={2} size="h4" mb="md">
        Needs attention
      </Title>
      <AttentionBody attention={attention} />
    </Card>
  );
}

function AttentionBody({ attention }: { attention: ReturnType<typeof useQuery<{ items: Attention[] }>> }) {
  if (attention.isPending) return <HomeCardSkeleton rows={3} />;
  if (attention.isError) {
    if (isNotFound(attention.error)) {
      return (
        <Text size="sm" c="dimmed">
          This Baton server does not report journeys needing attention yet.
        </Text>
      );
    }
    return <ErrorNotice error={attention.error} title="Could not check the journeys" />;
  }
  const items = attention.data.items;
  if (!items.length) {
    return (
      <Group gap="sm" wrap="nowrap">
        <ThemeIcon color="teal" variant="light" radius="xl" size="lg">
          <IconCircleCheck size={20} aria-hidden />
        </ThemeIcon>
        <Text size="sm">All clear: no failing sends, waiting approvals or falling goal rates.</Text>
      </Group>
    );
  }
  return (
    <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: "none" }}>
      {items.map((item) => {
        const reason = REASONS[item.reason] ?? REASONS.goal_down;
        const Icon = reason.icon;
        return (
          <Group key={`${item.journey}:${item.reason}`} component="li" gap="sm" wrap="nowrap" align="flex-start">
            <ThemeIcon color={reason.color} variant="light" radius="md" size="lg">
              <Icon size={20} aria-hidden />
            </ThemeIcon>
            <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
              <Group gap="xs" justify="space-between" wrap="nowrap">
                <Anchor component={Link} to={`/journeys/${encodeURIComponent(item.journey)}`} fw={600} size="sm" truncate>
                  {item.name}
                </Anchor>
                <Badge color={reason.color} variant="light">
                  {reason.label}
                </Badge>
              </Group>
              <Text size="sm" c="dimmed">
                {sentence(item.message)}
              </Text>
            </Stack>
          </Group>
        );
      })}
    </Stack>
  );
}
