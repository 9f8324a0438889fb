import { Card, Group, Loader, SegmentedControl, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatDay } from "../ui/format";
import { useHistory, type DayCount } from "./api";

const SPANS = ["7", "30", "90"];

/** Members at the end of each day, as a line and as a table. */
export function MemberHistory({ segmentKey, name }: { segmentKey: string; name: string }) {
  const [span, setSpan] = useState("30");
  const history = useHistory(segmentKey, Number(span), true);
  const days = useMemo(() => history.data?.days ?? [], [history.data]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: (value) => (typeof value === "number" ? formatCount(value) : "–") },
      xAxis: { type: "category", data: days.map((d) => formatDay(d.day)), boundaryGap: false, axisTick: { show: false } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9ecef" } } },
      series: [{ type: "line", name: "Members", data: days.map((d) => d.count), step: "end", showSymbol: false, lineStyle: { width: 2 }, areaStyle: { opacity: 0.08 } }],
    }),
    [days],
  );
  return (
    <Card>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="sm">
        <div>
          <Title order={2} size="h4">
            Membership over time
          </Title>
          <Text size="sm" c="dimmed">
            Members at the end of each day (UTC), from entries and exits.
          </Text>
        </div>
        <SegmentedControl size="xs" aria-label="Days shown" value={span} onChange={setSpan} data={SPANS.map((value) => ({ value, label: `${value} days` }))} />
      </Group>
      {history.isError ? (
        <ErrorNotice error={history.error} title="Could not read the membership history" />
      ) : history.isPending ? (
        <Loader size="sm" aria-label="Loading the membership history" />
      ) : (
        <Chart
          option={option}
          height={220}
          summary={historySummary(name, days)}
          table={{ caption: `Members of ${name} per day`, columns: ["Day", "Members"], rows: days.map((d) => [formatDay(d.day), formatCount(d.count)]) }}
        />
      )}
    </Card>
  );
}

function historySummary(name: string, days: DayCount[]): string {
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return `Members of ${name}: no days.`;
  const high = days.reduce((best, d) => (d.count > best.count ? d : best));
  return `Members of ${name} from ${formatDay(first.day)} (${formatCount(first.count)}) to ${formatDay(last.day)} (${formatCount(last.count)}), highest ${formatCount(high.count)} on ${formatDay(high.day)}.`;
}
