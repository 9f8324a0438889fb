import { Card, Group, Loader, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatDay } from "../ui/format";
import { oneOf, useAddress } from "../ui/address";
import { useCohorts, type CohortsAnswer, type CohortsBy, type CohortsPeriod } from "./exploration";
import { cohortCells, cohortPeriodLabel, cohortsTable, cohortWidth, retentionColor } from "./shapes";

const BY: readonly CohortsBy[] = ["first_seen", "first_order"];
const EVERY: readonly CohortsPeriod[] = ["week", "month"];

/** Retention by cohort: profiles grouped by the week (or month) of their first event or
 * first order, and the share of each active in every later period. */
export function CohortsSection({ days }: { days: number }) {
  const [params, change] = useAddress();
  const by = oneOf(params.get("by"), BY, "first_seen");
  const every = oneOf(params.get("every"), EVERY, "week");
  const cohorts = useCohorts(by, every, days);
  return (
    <Card>
      <Title order={2} size="h4" mb={4}>
        Cohorts
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Cohorts that started in the period, and the share of each that had an event of its own in each later {every}.
      </Text>
      <Group gap="lg" mb="md" align="flex-end">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="cohorts-by">
            Group by
          </Text>
          <SegmentedControl
            aria-labelledby="cohorts-by"
            value={by}
            onChange={(value) => change({ by: value })}
            data={[
              { value: "first_seen", label: "First seen" },
              { value: "first_order", label: "First order" },
            ]}
          />
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={500} id="cohorts-every">
            Cohort size
          </Text>
          <SegmentedControl
            aria-labelledby="cohorts-every"
            value={every}
            onChange={(value) => change({ every: value })}
            data={[
              { value: "week", label: "Week" },
              { value: "month", label: "Month" },
            ]}
          />
        </Stack>
      </Group>
      {cohorts.isError ? (
        <ErrorNotice error={cohorts.error} title="Could not load the cohorts" />
      ) : cohorts.isPending ? (
        <Loader aria-label="Loading the cohorts" />
      ) : cohorts.data.cohorts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No cohort started in the period.
        </Text>
      ) : (
        <CohortsHeatmap answer={cohorts.data} />
      )}
    </Card>
  );
}

function CohortsHeatmap({ answer }: { answer: CohortsAnswer }) {
  const cohortLabel = (cohort: string) => `${answer.period === "week" ? "Week of" : "Month of"} ${formatDay(cohort)}`;
  const table = cohortsTable(answer, cohortLabel);
  const option = useMemo<ChartOption>(() => {
    const periods = Array.from({ length: cohortWidth(answer) }, (_, k) => cohortPeriodLabel(answer.period, k));
    return {
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: periods, position: "top", axisTick: { show: false }, splitArea: { show: false } },
      yAxis: {
        type: "category",
        inverse: true,
        data: answer.cohorts.map((cohort) => `${formatDay(cohort.cohort)} (${cohort.profiles})`),
        axisTick: { show: false },
      },
      series: [
        {
          type: "heatmap",
          name: "Active",
          label: { show: true, formatter: (cell) => `${(cell.value as number[])[2]}%` },
          data: cohortCells(answer).map(([k, row, value]) => ({
            value: [k, row, value],
            itemStyle: { color: retentionColor(value), borderColor: "#fff", borderWidth: 2 },
            label: { color: value >= 50 ? "#fff" : "#212529" },
          })),
        },
      ],
    };
  }, [answer]);
  const summary = `Retention of ${answer.cohorts.length} cohorts: ` + table.rows.map((row) => `${row[0]}, ${row[1]} profiles, ${row.slice(2).filter(Boolean).join(", ")}`).join("; ") + ".";
  return <Chart option={option} summary={summary} table={table} height={Math.max(160, 40 + answer.cohorts.length * 36)} tableBelow />;
}
