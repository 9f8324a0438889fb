import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { IconRefresh } from "@tabler/icons-react";
import { Sparkline } from "../charts/Sparkline";
import type { ActivityReading } from "./activity";
import { useActivityStream, type StreamState } from "./useActivityStream";

const RATES: { key: keyof Omit<ActivityReading, "at">; label: string; color: string }[] = [
  { key: "events", label: "Events", color: "var(--mantine-color-indigo-7)" },
  { key: "messages", label: "Messages", color: "var(--mantine-color-cyan-8)" },
  { key: "errors", label: "Errors", color: "var(--mantine-color-red-8)" },
];

const STATES: Record<StreamState, { label: string; color: string }> = {
  connecting: { label: "Connecting…", color: "gray" },
  live: { label: "Live", color: "teal" },
  reconnecting: { label: "Reconnecting…", color: "yellow" },
  closed: { label: "Not connected", color: "red" },
};

const perSecond = new Intl.NumberFormat("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function LiveActivity() {
  const { readings, state, retry } = useActivityStream();
  const latest = readings.at(-1);
  const shown = STATES[state];
  return (
    <Card h="100%">
      <Group justify="space-between" mb="md" wrap="nowrap">
        <div>
          <Title order={2} size="h4">Live activity</Title>
          <Text size="sm" c="dimmed">
            Per second, over the last 10 seconds; lines show the last minute.
          </Text>
        </div>
        <div aria-live="polite" style={{ flexShrink: 0 }}>
          <Badge color={shown.color} variant="dot" size="lg">
            {shown.label}
          </Badge>
        </div>
      </Group>
      {state === "closed" && !latest ? (
        <Stack align="flex-start" gap="xs">
          <Text size="sm">The live feed could not be opened. Baton tries again every 30 seconds.</Text>
          <Button variant="default" size="xs" leftSection={<IconRefresh size={14} aria-hidden />} onClick={retry}>
            Try again now
          </Button>
        </Stack>
      ) : (
        <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="lg">
          {RATES.map(({ key, label, color }) => (
            <Stack key={key} gap={6}>
              <Text size="sm" c="dimmed" fw={500}>
                {label}
              </Text>
              <Text fz={26} fw={650} lh={1.1} c={key === "errors" && latest && latest.errors > 0 ? "red.8" : undefined}>
                {latest ? perSecond.format(latest[key]) : "–"}
                <Text span size="sm" c="dimmed" fw={500}>
                  {" "}
                  / s
                </Text>
              </Text>
              <Sparkline values={readings.map((reading) => reading[key])} width={140} height={36} color={color} />
            </Stack>
          ))}
        </SimpleGrid>
      )}
    </Card>
  );
}
