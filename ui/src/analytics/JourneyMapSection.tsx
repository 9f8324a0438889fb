import { Anchor, Badge, Box, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Link } from "react-router";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatKpi } from "./kpis";
import { PAIN_LABELS, STAGE_LABELS, useJourneyMap, type JourneyMap, type Stage } from "./journeyMap";

const counted = new Intl.NumberFormat("en");
const share = (value: number | null) => formatKpi(value, "rate");
const stageLabel = (stage: string) => STAGE_LABELS[stage] ?? stage;
const journeyLink = (key: string) => `/journeys/${encodeURIComponent(key)}`;

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
    map.stages.map((stage) => `${stageLabel(stage.stage)} ${counted.format(stage.profiles)} people, ${counted.format(stage.goals)} goals`).join("; ") +
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
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Stage</Table.Th>
            <Table.Th scope="col" w="30%">
              Journeys and goal rates
            </Table.Th>
            <Table.Th scope="col" w="22%">
              Touchpoints
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Entries
            </Table.Th>
            <Table.Th scope="col" ta="right">
              People
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Messages delivered
            </Table.Th>
            <Table.Th scope="col" ta="right">
              On to next stage
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
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
                          {share(journey.goal_rate)}
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
              <Table.Td ta="right">{counted.format(stage.entries)}</Table.Td>
              <Table.Td ta="right">{counted.format(stage.profiles)}</Table.Td>
              <Table.Td ta="right">{counted.format(stage.delivered)}</Table.Td>
              <Table.Td ta="right">{stage.to_next_stage === null ? "–" : share(stage.to_next_stage)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function PainPoints({ map }: { map: JourneyMap }) {
  return (
    <Card padding={0}>
      <Box p="lg" pb="xs">
        <Title order={2} size="h4" mb={4}>
          Pain points
        </Title>
        <Text size="sm" c="dimmed">
          The steps where the most people stop, and the messages that fail or make people unsubscribe most often.
        </Text>
      </Box>
      {!map.pain_points.length ? (
        <Text size="sm" c="dimmed" px="lg" pb="lg">
          No step stands out in this period.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" pl="lg">
                  Journey
                </Table.Th>
                <Table.Th scope="col">Step</Table.Th>
                <Table.Th scope="col">What happens</Table.Th>
                <Table.Th scope="col" ta="right" pr="lg">
                  Rate
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {map.pain_points.map((pain) => (
                <Table.Tr key={`${pain.journey}:${pain.node}:${pain.kind}`}>
                  <Table.Td pl="lg">
                    <Anchor component={Link} to={journeyLink(pain.journey)} size="sm">
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
                    {share(pain.rate)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}
