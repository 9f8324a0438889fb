import { Card, Loader, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Chart } from "../charts/Chart";
import { PALETTE, type ChartOption, type ChartTable } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount } from "../ui/format";
import { useDistribution, type Distribution } from "./api";

/** How a computed trait's values spread over the profiles holding one, as bars and as a table. */
export function ValueDistribution({ traitKey, name }: { traitKey: string; name: string }) {
  const distribution = useDistribution(traitKey);
  const figures = useMemo(() => (distribution.data ? figuresOf(distribution.data, name) : null), [distribution.data, name]);
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        Values
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {distribution.data?.kind === "numeric"
          ? `From ${formatCount(distribution.data.min)} to ${formatCount(distribution.data.max)}, mean ${formatCount(distribution.data.mean)}.`
          : "The values most profiles hold."}
        {distribution.data?.sampled ? ` Of the first ${formatCount(distribution.data.profiles)} profiles.` : ""}
      </Text>
      {distribution.isError ? (
        <ErrorNotice error={distribution.error} title="Could not read the values" />
      ) : distribution.isPending ? (
        <Loader size="sm" aria-label="Loading the values" />
      ) : !figures ? (
        <Text size="sm" c="dimmed">
          No profile has a value yet.
        </Text>
      ) : (
        <Chart option={figures.option} height={figures.height} summary={figures.summary} table={figures.table} />
      )}
    </Card>
  );
}

type Figures = { option: ChartOption; height: number; summary: string; table: ChartTable };

function figuresOf(found: Distribution, name: string): Figures | null {
  if (found.profiles === 0) return null;
  if (found.kind === "numeric") {
    const labels = found.buckets.map((b) => (b.from === b.to ? formatCount(b.from) : `${formatCount(b.from)} – ${formatCount(b.to)}`));
    const counts = found.buckets.map((b) => b.profiles);
    return {
      height: 220,
      option: {
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", valueFormatter: (value) => (typeof value === "number" ? formatCount(value) : "–") },
        xAxis: { type: "category", data: labels, axisTick: { show: false }, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9ecef" } } },
        series: [{ type: "bar", name: "Profiles", data: counts, barCategoryGap: "8%", itemStyle: { color: PALETTE[0] } }],
      },
      summary: `Values of ${name} held by ${formatCount(found.profiles)} profiles, from ${formatCount(found.min)} to ${formatCount(found.max)}, mean ${formatCount(found.mean)}.`,
      table: { caption: `Profiles of ${name} by value`, columns: ["Values", "Profiles"], rows: labels.map((label, i) => [label, formatCount(counts[i])]) },
    };
  }
  const rows: [string, number][] = found.values.map((v) => [shown(v.value), v.profiles]);
  if (found.other > 0) rows.push(["Other values", found.other]);
  const top = rows.slice(0, 3).map(([value, n]) => `${value} (${formatCount(n)})`);
  return {
    height: Math.max(120, rows.length * 28 + 24),
    option: {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (value) => (typeof value === "number" ? formatCount(value) : "–") },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9ecef" } } },
      yAxis: { type: "category", inverse: true, data: rows.map(([value]) => value), axisTick: { show: false }, axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ type: "bar", name: "Profiles", data: rows.map(([, n]) => n), barCategoryGap: "25%", itemStyle: { color: PALETTE[0] } }],
    },
    summary: `Most held values of ${name} among ${formatCount(found.profiles)} profiles: ${top.join(", ")}.`,
    table: { caption: `Profiles of ${name} by value`, columns: ["Value", "Profiles"], rows: rows.map(([value, n]) => [value, formatCount(n)]) },
  };
}

/** A string as it is; any other JSON value as JSON. */
function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
