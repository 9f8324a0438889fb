import { Anchor, Box, Card, Group, SimpleGrid, Skeleton, Text } from "@mantine/core";
import { IconArrowDownRight, IconArrowRight, IconArrowUpRight } from "@tabler/icons-react";
import { Link } from "react-router";
import { formatKpi, kpiChange, kpiDefinition, type KpiChange, type KpiDefinition, type KpiReport } from "../analytics/kpis";
import { Sparkline } from "../charts/Sparkline";

/** The tiles of Home: the KPIs the API draws a daily series for. */
const TILES = ["revenue", "orders", "conversion_rate", "average_order_value", "visitors", "buyers", "nps", "csat"];

export function KpiTiles({ report, days, loading }: { report: KpiReport | undefined; days: number; loading: boolean }) {
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }} spacing="md">
      {TILES.map((key) => {
        const definition = kpiDefinition(key);
        if (!definition) return null;
        if (loading || !report) return <Skeleton key={key} height={132} radius="md" />;
        return <KpiTile key={key} definition={definition} report={report} days={days} />;
      })}
    </SimpleGrid>
  );
}

function KpiTile({ definition, report, days }: { definition: KpiDefinition; report: KpiReport; days: number }) {
  const value = report.values[definition.key] ?? null;
  const change = report.previous ? kpiChange(value, report.previous[definition.key] ?? null, definition) : null;
  const series = report.series[definition.key];
  return (
    <Card padding="md">
      <Text size="sm" c="dimmed" fw={500}>
        {definition.label}
      </Text>
      <Group justify="space-between" align="flex-end" wrap="nowrap" mt={4} gap="sm">
        {value === null ? (
          <Text fz="lg" fw={600} lh={1.8} c="dimmed">
            No data
          </Text>
        ) : (
          <Text fz={26} fw={650} lh={1.25}>
            {formatKpi(value, definition.format)}
          </Text>
        )}
        {series?.some((point) => point.value !== null) ? (
          <Box w={88} pb={6} style={{ flexShrink: 0 }}>
            <Sparkline values={series.map((point) => point.value)} width={88} height={26} />
          </Box>
        ) : null}
      </Group>
      <Box mt="xs">
        <Change change={change} days={days} hasPrevious={report.previous !== null} />
      </Box>
    </Card>
  );
}

function Change({ change, days, hasPrevious }: { change: KpiChange | null; days: number; hasPrevious: boolean }) {
  if (!change) {
    return (
      <Text size="xs" c="dimmed">
        {hasPrevious ? `No figures for the ${days} days before` : `Last ${days} days`}
      </Text>
    );
  }
  const Arrow = change.direction === "up" ? IconArrowUpRight : change.direction === "down" ? IconArrowDownRight : IconArrowRight;
  const color = change.good === null ? "dimmed" : change.good ? "teal.9" : "red.8";
  return (
    <Group gap={4} wrap="nowrap">
      <Text size="sm" fw={600} c={color} style={{ display: "inline-flex", alignItems: "center", gap: 2 }}>
        <Arrow size={16} aria-hidden />
        {change.text}
      </Text>
      <Text size="xs" c="dimmed">
        vs previous {days} days
      </Text>
    </Group>
  );
}

/** Every KPI is on the analytics page, with what it means. */
export function AllKpisLink({ days }: { days: number }) {
  return (
    <Anchor component={Link} to={`/analytics?period=${days}`} size="sm">
      All KPIs and what they mean
    </Anchor>
  );
}
