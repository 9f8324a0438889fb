import { Card, Group, Select, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { formatKpi, kpiDefinition, type KpiReport } from "../analytics/kpis";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { formatCompact, formatDay } from "../ui/format";

/** One KPI's series over the period, larger than a tile's line, with axes. */
export function KpiTrend({ report }: { report: KpiReport }) {
  const keys = Object.keys(report.series).filter((key) => kpiDefinition(key));
  const [chosen, setChosen] = useState("revenue");
  const key = keys.includes(chosen) ? chosen : keys[0];
  const definition = key ? kpiDefinition(key) : undefined;
  const points = useMemo(() => (key ? (report.series[key] ?? []) : []), [key, report]);
  const option = useMemo<ChartOption | null>(() => {
    if (!definition) return null;
    const format = (value: unknown) => (typeof value === "number" ? formatKpi(value, definition.format) : "No data");
    // Axis labels short: "1.2K", not "1,200.00".
    const axis = (value: number) => (definition.format === "money" ? formatCompact(value) : format(value));
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8 },
      tooltip: { trigger: "axis", valueFormatter: format },
      xAxis: { type: "category", data: points.map((point) => formatDay(point.date)), boundaryGap: false, axisTick: { show: false } },
      yAxis: {
        type: "value",
        minInterval: definition.format === "count" ? 1 : 0,
        axisLabel: { formatter: axis },
        splitLine: { lineStyle: { color: "#e9ecef" } },
      },
      series: [
        {
          type: "line",
          name: definition.label,
          data: points.map((point) => point.value),
          // Monotone: a smoothed line never dips below the figures it joins.
          smooth: true,
          smoothMonotone: "x",
          showSymbol: false,
          connectNulls: false,
          lineStyle: { width: 2 },
          areaStyle: { opacity: 0.08 },
        },
      ],
    };
  }, [definition, points]);
  if (!definition || !option) return null;

  const unit = report.bucketDays === 1 ? "day" : `${report.bucketDays} days`;
  return (
    <Card>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="sm">
        <div>
          <Title order={2} size="h4">Trend</Title>
          <Text size="sm" c="dimmed">
            {definition.label} per {unit} over the period.
          </Text>
        </div>
        <Select
          aria-label="KPI shown in the trend"
          size="sm"
          w={220}
          allowDeselect={false}
          value={key}
          onChange={(value) => value && setChosen(value)}
          data={keys.map((each) => ({ value: each, label: kpiDefinition(each)?.label ?? each }))}
        />
      </Group>
      <Chart
        option={option}
        summary={trendSummary(definition.label, definition.format, points, unit)}
        table={{
          caption: `${definition.label} per ${unit}`,
          columns: [report.bucketDays === 1 ? "Day" : "Starting", definition.label],
          rows: points.map((point) => [formatDay(point.date), formatKpi(point.value, definition.format)]),
        }}
      />
    </Card>
  );
}

function trendSummary(label: string, format: Parameters<typeof formatKpi>[1], points: KpiReport["series"][string], unit: string): string {
  const known = points.filter((point): point is { date: string; value: number } => point.value !== null);
  const first = points[0];
  const last = points.at(-1);
  if (!known.length || !first || !last) return `${label} per ${unit}: no data in the period.`;
  const high = known.reduce((best, point) => (point.value > best.value ? point : best));
  const low = known.reduce((best, point) => (point.value < best.value ? point : best));
  return (
    `${label} per ${unit} from ${formatDay(first.date)} to ${formatDay(last.date)}: ` +
    `highest ${formatKpi(high.value, format)} on ${formatDay(high.date)}, lowest ${formatKpi(low.value, format)} on ${formatDay(low.date)}.`
  );
}
