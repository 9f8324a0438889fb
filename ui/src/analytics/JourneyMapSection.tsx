import { Anchor, Badge, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Link } from "react-router";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatRate } from "../ui/format";
import { stageLabel } from "../ui/lifecycle";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import { PAIN_LABELS, useJourneyMap, type JourneyMap, type Stage } from "./journeyMap";

const journeyLink = (key: string) => `/journeys/${encodeURIComponent(key)}`;
// A pain point is read in the journey's report: its node funnel shows where people stop.
const reportLink = (key: string) => `/analytics?${new URLSearchParams({ tab: "reports", journey: key }).toString()}`;

/** The five lifecycle stages with their journeys and volumes, and the worst steps. */
export function JourneyMapSection({ days }: { days: number }) {
  const map = useJourneyMap(days);
  return (
    <Stack gap="lg">
      <Card>
        <Title order={2} size="h4" mb={4}>
          Journey map
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          The lifecycle stages, with the journeys tagged with each, the people they reached and how many of them went on to
          the next stage.
        </Text>
        {map.isError ? (
          <ErrorNotice error={map.error} title="Could not load the journey map" />
        ) : map.isPending ? (
          <Loader aria-label="Loading the journey map" />
        ) : (
          <Stack gap="lg">
            <StageChart map={map.data} />
            <StageTable stages={map.data.stages} />
          </Stack>
        )}
      </Card>
      {map.data ? <PainPoints map={map.data} /> : null}
    </Stack>
  );
}

function StageChart({ map }: { map: JourneyMap }) {
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 16, top: 32, bottom: 8 },
      legend: { top: 0, left: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: map.stages.map((stage) => stageLabel(stage.stage)), axisTick: { show: false } },
      yAxis: { type: "value", splitLine: { lineStyle: { color: "#e9ecef" } } },
      series: [
        { type: "bar", name: "People", data: map.stages.map((stage) => stage.profiles), barMaxWidth: 36 },
        { type: "bar", name: "Goals reached", data: map.stages.map((stage) => stage.goals), barMaxWidth: 36 },
      ],
    }),
    [map],
  );
  const summary =
    "People reached and goals reached per lifecycle stage: " +
    map.stages.map((stage) => `${stageLabel(stage.stage)} ${formatCount(stage.profiles)} people, ${formatCount(stage.goals)} goals`).join("; ") +
    ".";
  return (
    <Chart
      option={option}
      summary={summary}
      height={240}
      table={{
        caption: "People and goals reached per lifecycle stage",
        columns: ["Stage", "People", "Goals reached"],
        rows: map.stages.map((stage) => [stageLabel(stage.stage), stage.profiles, stage.goals]),
      }}
    />
  );
}

function StageTable({ stages }: { stages: Stage[] }) {
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table>
        <TableHead columns={["Stage", { label: "Journeys and goal rates", w: "30%" }, { label: "Touchpoints", w: "22%" }, { label: "Entries", right: true }, { label: "People", right: true }, { label: "Messages delivered", right: true }, { label: "On to next stage", right: true }]} />
        <Table.Tbody>
          {stages.map((stage) => (
            <Table.Tr key={stage.stage}>
              <Table.Th scope="row" fz="sm">
                {stageLabel(stage.stage)}
              </Table.Th>
              <Table.Td>
                {stage.journeys.length ? (
                  <Stack gap={2}>
                    {stage.journeys.map((journey) => (
                      <Group key={journey.key} gap="sm" wrap="nowrap" justify="space-between" align="flex-start">
                        <Anchor component={Link} to={journeyLink(journey.key)} size="sm">
                          {journey.name || journey.key}
                        </Anchor>
                        <Text size="sm" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                          {formatRate(journey.goal_rate)}
                        </Text>
                      </Group>
                    ))}
                  </Stack>
                ) : (
                  <Text size="sm" c="dimmed">
                    No journey tagged
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {stage.events.map((event) => (
                    <Badge key={event} color="gray" tt="none">
                      {event}
                    </Badge>
                  ))}
                  {stage.channels.map((channel) => (
                    <Badge key={channel} color="indigo" tt="none">
                      {channel}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td ta="right">{formatCount(stage.entries)}</Table.Td>
              <Table.Td ta="right">{formatCount(stage.profiles)}</Table.Td>
              <Table.Td ta="right">{formatCount(stage.delivered)}</Table.Td>
              <Table.Td ta="right">{formatRate(stage.to_next_stage)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function PainPoints({ map }: { map: JourneyMap }) {
  return (
    <TableCard
      title="Pain points"
      description="The steps where the most people stop, and the messages that fail or make people unsubscribe most often."
    >
      {!map.pain_points.length ? (
        <TableCardNote>
          <Text size="sm" c="dimmed">
            No step stands out in this period.
          </Text>
        </TableCardNote>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table>
            <TableHead edge columns={["Journey", "Step", "What happens", { label: "Rate", right: true }]} />
            <Table.Tbody>
              {map.pain_points.map((pain) => (
                <Table.Tr key={`${pain.journey}:${pain.node}:${pain.kind}`}>
                  <Table.Td pl="lg">
                    <Anchor component={Link} to={reportLink(pain.journey)} size="sm">
                      {pain.journey}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {pain.node}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{PAIN_LABELS[pain.kind] ?? pain.kind}</Text>
                  </Table.Td>
                  <Table.Td ta="right" pr="lg" fw={600}>
                    {formatRate(pain.rate)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </TableCard>
  );
}
