import { Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useMemo } from "react";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatDay, formatInstant, formatRate } from "../ui/format";
import { Figure } from "../ui/Figure";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import { formatDuration, formatKpi } from "./kpis";
import { csvHref, nodeFunnel, useJourneyReport, type Experiment, type Interval, type JourneyReport as Report } from "./report";
import { armLabel, experimentTitle, experimentVerdict } from "./verdict";

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const interval = ([low, high]: Interval, scale = 100) => `${(low * scale).toFixed(1)} to ${(high * scale).toFixed(1)}`;

/** A journey's report over the last `days` days: its figures, node funnel and experiments. */
export function JourneyReport({ journeyKey, days }: { journeyKey: string; days: number }) {
  const report = useJourneyReport(journeyKey, days);
  if (report.isError) return <ErrorNotice error={report.error} title="Could not load the journey's report" />;
  if (report.isPending) return <Loader aria-label="Loading the journey's report" />;
  return (
    <Stack gap="lg" data-testid="journey-report">
      <Headline report={report.data} />
      <Daily report={report.data} />
      <NodeFunnel report={report.data} />
      <Experiments experiments={report.data.experiments} />
    </Stack>
  );
}

function Headline({ report }: { report: Report }) {
  const { goals, revenue } = report;
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <Text size="sm" c="dimmed">
          Entries from {formatInstant(report.from)} to {formatInstant(report.to)}; revenue of orders within {report.attribution_window} of a
          message.
        </Text>
        <Button component="a" href={csvHref(report.journey, { from: report.from, to: report.to })} download variant="default" size="xs" leftSection={<IconDownload size={16} aria-hidden />}>
          Download CSV
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm" data-testid="report-figures">
        <Figure label="Entries" value={formatCount(report.entries)} detail={`${formatCount(report.profiles)} people`} />
        <Figure label="Reached the goal" value={formatCount(goals.conversions)} detail={`${formatRate(goals.rate)} of entries`} />
        <Figure
          label="Time to goal"
          value={goals.median_seconds_to_goal === null ? "–" : formatDuration(goals.median_seconds_to_goal)}
          detail={goals.p90_seconds_to_goal === null ? "median" : `median; 90% within ${formatDuration(goals.p90_seconds_to_goal)}`}
        />
        <Figure label="Revenue, last touch" value={formatKpi(revenue.last_touch, "money")} detail={`${formatCount(revenue.orders_last_touch)} orders`} />
        <Figure label="Revenue, first touch" value={formatKpi(revenue.first_touch, "money")} detail={`${formatCount(revenue.orders_first_touch)} orders`} />
        <Figure
          label="Return on cost"
          value={report.roi === null ? "–" : formatRate(report.roi)}
          detail={report.cost === null ? "no message costs set" : `cost ${formatKpi(report.cost, "money")}`}
        />
      </SimpleGrid>
    </Stack>
  );
}

function Daily({ report }: { report: Report }) {
  const option = useMemo<ChartOption>(() => {
    // A line of a day or two is only its points.
    const few = report.daily.length <= 14;
    return {
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: report.daily.map((day) => formatDay(day.day)), axisTick: { show: false } },
      yAxis: { type: "value", splitLine: { lineStyle: { color: "#e9ecef" } } },
      series: [
        { type: "line", name: "Entries", data: report.daily.map((day) => day.entries), showSymbol: few },
        { type: "line", name: "Reached the goal", data: report.daily.map((day) => day.goals), showSymbol: few },
        { type: "line", name: "Messages delivered", data: report.daily.map((day) => day.delivered), showSymbol: few },
      ],
    };
  }, [report]);
  if (report.daily.length === 0) return null;
  const totals = (pick: (day: Report["daily"][number]) => number) => formatCount(report.daily.reduce((sum, day) => sum + pick(day), 0));
  const summary = `Per day over ${report.daily.length} days: ${totals((day) => day.entries)} entries, ${totals((day) => day.goals)} goals reached, ${totals((day) => day.delivered)} messages delivered.`;
  return (
    <Card>
      <Title order={2} size="h4" mb="xs">
        Day by day
      </Title>
      <Chart
        option={option}
        summary={summary}
        height={220}
        table={{
          caption: "Entries, goals reached, messages delivered and last-touch revenue per day (UTC)",
          columns: ["Day", "Entries", "Reached the goal", "Messages delivered", "Revenue, last touch"],
          rows: report.daily.map((day) => [day.day, day.entries, day.goals, day.delivered, formatKpi(day.revenue_last_touch, "money")]),
        }}
      />
    </Card>
  );
}

function NodeFunnel({ report }: { report: Report }) {
  const nodes = useMemo(() => nodeFunnel(report), [report]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0 },
      tooltip: { trigger: "axis" },
      yAxis: { type: "category", inverse: true, data: nodes.map((node) => node.node), axisTick: { show: false } },
      xAxis: { type: "value", splitLine: { lineStyle: { color: "#e9ecef" } } },
      series: [
        { type: "bar", name: "Entered", data: nodes.map((node) => node.entered), barMaxWidth: 18 },
        { type: "bar", name: "Reached the goal here", data: nodes.map((node) => node.goals), barMaxWidth: 18 },
        { type: "bar", name: "Stopped here", data: nodes.map((node) => node.dropped), barMaxWidth: 18 },
      ],
    }),
    [nodes],
  );
  const summary = `People entering each step of ${report.journey}: ` + nodes.map((node) => `${node.node} ${formatCount(node.entered)}`).join(", ") + ".";
  return (
    <TableCard title="Node funnel" description="How many entered each step, where they reached the goal, where the rest stopped, and what the messages did.">
      {nodes.length === 0 ? (
        <TableCardNote>
          <Text size="sm" c="dimmed">
            Nobody entered this journey in the period.
          </Text>
        </TableCardNote>
      ) : (
        <>
          <TableCardNote>
            <Chart
              option={option}
              summary={summary}
              height={Math.max(200, 48 + nodes.length * 44)}
              table={{
                caption: "Entered, reached the goal and stopped at each step",
                columns: ["Step", "Entered", "Reached the goal here", "Stopped here"],
                rows: nodes.map((node) => [node.node, node.entered, node.goals, node.dropped]),
              }}
            />
          </TableCardNote>
          <Table.ScrollContainer minWidth={760} type="native" tabIndex={0} role="region" aria-label="Figures per step">
            <Table data-testid="report-nodes">
              <TableHead
                edge
                columns={[
                  "Step",
                  { label: "Entered", right: true },
                  { label: "Waiting now", right: true },
                  { label: "Reached goal here", right: true },
                  { label: "Stopped here", right: true },
                  { label: "Delivered", right: true },
                  { label: "Opened", right: true },
                  { label: "Clicked", right: true },
                ]}
              />
              <Table.Tbody>
                {nodes.map((node) => (
                  <Table.Tr key={node.node} data-node={node.node}>
                    <Table.Th scope="row" pl="lg" fz="sm" ff="monospace" fw={500}>
                      {node.node}
                    </Table.Th>
                    <Table.Td ta="right">{formatCount(node.entered)}</Table.Td>
                    <Table.Td ta="right">{formatCount(node.waiting)}</Table.Td>
                    <Table.Td ta="right">{formatCount(node.goals)}</Table.Td>
                    <Table.Td ta="right">{formatCount(node.dropped)}</Table.Td>
                    <Table.Td ta="right">{node.messages ? formatCount(node.messages.by_status.delivered ?? 0) : "–"}</Table.Td>
                    <Table.Td ta="right">{node.messages ? formatRate(node.messages.opened_rate) : "–"}</Table.Td>
                    <Table.Td ta="right" pr="lg">
                      {node.messages ? formatRate(node.messages.clicked_rate) : "–"}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </TableCard>
  );
}

function Experiments({ experiments }: { experiments: Record<string, Experiment> }) {
  const found = Object.entries(experiments);
  if (found.length === 0) {
    return (
      <Card>
        <Title order={2} size="h4" mb={4}>
          Experiments
        </Title>
        <Text size="sm" c="dimmed" data-testid="no-experiment">
          This journey has no holdout or split step with entries in the period, so there is no experiment to compare.
        </Text>
      </Card>
    );
  }
  return (
    <>
      {found.map(([key, experiment]) => (
        <ExperimentCard key={key} name={key} experiment={experiment} />
      ))}
    </>
  );
}

function ExperimentCard({ name, experiment }: { name: string; experiment: Experiment }) {
  return (
    <TableCard
      title={experimentTitle(name)}
      description={
        <Text component="span" size="sm" c="var(--mantine-color-text)" data-testid="experiment-verdict" data-experiment={name}>
          {experimentVerdict(name, experiment)}
        </Text>
      }
    >
      <Table.ScrollContainer minWidth={760} type="native" tabIndex={0} role="region" aria-label={`Arms of ${experimentTitle(name)}`}>
        <Table mt="xs">
          <TableHead
            edge
            columns={[
              "Group",
              { label: "Profiles", right: true },
              { label: "Reached goal", right: true },
              { label: "Rate (95% interval)", right: true },
              { label: "Difference, points (95% interval)", right: true },
              { label: "Chance to be best", right: true },
              { label: "Revenue per profile", right: true },
            ]}
          />
          <Table.Tbody>
            {Object.entries(experiment.arms).map(([arm, figures]) => (
              <Table.Tr key={arm}>
                <Table.Th scope="row" pl="lg" fz="sm" fw={500}>
                  <Group gap={6} wrap="nowrap">
                    {capitalized(armLabel(name, arm))}
                    {arm === experiment.control ? (
                      <Badge color="gray" tt="none" variant="light" style={{ flexShrink: 0 }}>
                        control
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Th>
                <Table.Td ta="right">{formatCount(figures.profiles)}</Table.Td>
                <Table.Td ta="right">{formatCount(figures.conversions)}</Table.Td>
                <Table.Td ta="right">
                  {formatRate(figures.rate)} ({interval(figures.rate_interval)}%)
                </Table.Td>
                <Table.Td ta="right">
                  {figures.lift === undefined || figures.lift_interval === undefined
                    ? "–"
                    : `${(figures.lift * 100).toFixed(1)} (${interval(figures.lift_interval)})`}
                </Table.Td>
                <Table.Td ta="right">{formatRate(figures.probability_to_be_best)}</Table.Td>
                <Table.Td ta="right" pr="lg">
                  {formatKpi(figures.revenue_per_profile, "money")}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </TableCard>
  );
}
