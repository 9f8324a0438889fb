import { Box, Card, Group, Loader, NumberInput, SegmentedControl, Select, Stack, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { oneOf, useAddress } from "../ui/address";
import { useEventChoices, usePaths, type PathsAnswer, type PathsDirection } from "./exploration";
import { pathsSankey, pathsTable } from "./shapes";

const DIRECTIONS: readonly PathsDirection[] = ["after", "before"];

/** Where customers go after an event (or came from before it): the ten most frequent
 * paths of `depth` events, as a sankey and a table. */
export function PathsBuilder({ days }: { days: number }) {
  const [params, change] = useAddress();
  const event = params.get("event") ?? "";
  const direction = oneOf(params.get("direction"), DIRECTIONS, "after");
  const depth = Math.min(5, Math.max(1, Number(params.get("depth")) || 3));
  const names = useEventChoices();
  const paths = usePaths(event, direction, depth, days);
  return (
    <Stack gap="lg">
      <Card>
        <Title order={2} size="h4" mb={4}>
          Paths
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          From each profile's first occurrence of the event in the period, its next (or previous) events of its own.
        </Text>
        {names.error ? <ErrorNotice error={names.error} title="Could not load the event names" /> : null}
        <Group gap="md" align="flex-end">
          <Select
            label="Event"
            placeholder={names.isPending ? "Loading the events…" : "Choose an event"}
            data={names.choices}
            value={event || null}
            onChange={(value) => change({ event: value })}
            searchable
            nothingFoundMessage="No event of that name"
            w={320}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="paths-direction">
              Direction
            </Text>
            <SegmentedControl
              aria-labelledby="paths-direction"
              value={direction}
              onChange={(value) => change({ direction: value })}
              data={[
                { value: "after", label: "After it" },
                { value: "before", label: "Before it" },
              ]}
            />
          </Stack>
          <NumberInput label="Steps" min={1} max={5} value={depth} onChange={(value) => change({ depth: String(value || 3) })} w={100} clampBehavior="strict" />
        </Group>
      </Card>
      {event === "" ? (
        <Text size="sm" c="dimmed">
          Choose an event to see the paths.
        </Text>
      ) : paths.isError ? (
        <ErrorNotice error={paths.error} title="Could not compute the paths" />
      ) : paths.isPending ? (
        <Loader aria-label="Computing the paths" />
      ) : (
        <PathsResult answer={paths.data} />
      )}
    </Stack>
  );
}

function PathsResult({ answer }: { answer: PathsAnswer }) {
  const table = useMemo(() => pathsTable(answer), [answer]);
  const option = useMemo<ChartOption>(() => {
    const sankey = pathsSankey(answer);
    return {
      tooltip: { trigger: "item" },
      series: [
        {
          type: "sankey",
          left: 8,
          right: 160,
          top: 8,
          bottom: 8,
          nodeGap: 10,
          // Each step in its own column: a path that ends early stays at its step.
          nodeAlign: "left",
          emphasis: { focus: "adjacency" },
          lineStyle: { color: "gradient", opacity: 0.35 },
          label: { color: "#343a40", fontSize: 12 },
          data: sankey.nodes,
          links: sankey.links,
        },
      ],
    };
  }, [answer]);
  if (answer.paths.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Nobody did {answer.event} in the period.
      </Text>
    );
  }
  const summary = `The ${answer.paths.length} most frequent paths ${answer.direction} ${answer.event}, of ${answer.profiles} profiles: ${table.rows
    .map(([path, profiles]) => `${path}, ${profiles}`)
    .join("; ")}.`;
  return (
    <Card data-testid="paths-result">
      <Text size="sm" mb="sm">
        {answer.profiles} profiles did {answer.event} in the period.
      </Text>
      <Box data-testid="paths-table">
        <Chart option={option} summary={summary} table={table} height={420} tableBelow />
      </Box>
    </Card>
  );
}
