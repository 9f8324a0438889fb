import { ActionIcon, Box, Button, Card, Group, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import { useMemo } from "react";
import { Chart } from "../charts/Chart";
import type { ChartOption } from "../charts/options";
import { ErrorNotice } from "../ui/ErrorNotice";
import { oneOf, useAddress } from "../ui/address";
import { useEventChoices, useFunnel, type FunnelAnswer } from "./exploration";
import { funnelTable } from "./shapes";

const WINDOWS = [
  { value: "1h", label: "1 hour" },
  { value: "1d", label: "1 day" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
] as const;
const WINDOW_VALUES = WINDOWS.map((window) => window.value);
const MAX_STEPS = 20;

/** Ordered steps chosen from the events seen in the period, the time allowed from the first
 * to the last, and the funnel they make: profiles and conversion per step. */
export function FunnelBuilder({ days }: { days: number }) {
  const [params, change] = useAddress();
  const asked = params.getAll("step");
  const steps = asked.length >= 2 ? asked : [...asked, ...Array<string>(2 - asked.length).fill("")];
  const window = oneOf(params.get("window"), WINDOW_VALUES, "7d");
  const names = useEventChoices();
  const funnel = useFunnel(steps, window, days);
  const setSteps = (next: string[]) => change({ step: next });

  return (
    <Stack gap="lg">
      <Card>
        <Title order={2} size="h4" mb={4}>
          Funnel
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          A profile enters at its first event of step 1 in the period and does each next step with its first matching event after the previous
          one, within the window of step 1.
        </Text>
        {names.error ? <ErrorNotice error={names.error} title="Could not load the event names" /> : null}
        <Stack gap="xs">
          {steps.map((step, index) => (
            <Group key={index} gap="xs" align="flex-end" wrap="nowrap">
              <Select
                label={`Step ${index + 1}`}
                placeholder={names.isPending ? "Loading the events…" : "Choose an event"}
                data={names.choices}
                value={step || null}
                onChange={(value) => setSteps(steps.map((current, at) => (at === index ? (value ?? "") : current)))}
                searchable
                nothingFoundMessage="No event of that name"
                style={{ flex: 1, maxWidth: 420 }}
              />
              <ActionIcon
                variant="subtle"
                color="gray"
                size="lg"
                aria-label={`Remove step ${index + 1}`}
                disabled={steps.length <= 2}
                onClick={() => setSteps(steps.filter((_, at) => at !== index))}
              >
                <IconX size={16} aria-hidden />
              </ActionIcon>
            </Group>
          ))}
          <Group gap="md" align="flex-end">
            <Button variant="default" leftSection={<IconPlus size={16} aria-hidden />} disabled={steps.length >= MAX_STEPS} onClick={() => setSteps([...steps, ""])}>
              Add step
            </Button>
            <Select
              label="Window from step 1"
              data={WINDOWS.map((option) => ({ ...option }))}
              value={window}
              onChange={(value) => change({ window: value })}
              allowDeselect={false}
              w={160}
            />
          </Group>
        </Stack>
      </Card>
      {!steps.every((step) => step !== "") ? (
        <Text size="sm" c="dimmed">
          Choose an event for every step to see the funnel.
        </Text>
      ) : funnel.isError ? (
        <ErrorNotice error={funnel.error} title="Could not compute the funnel" />
      ) : funnel.isPending ? (
        <Loader aria-label="Computing the funnel" />
      ) : (
        <FunnelResult answer={funnel.data} />
      )}
    </Stack>
  );
}

function FunnelResult({ answer }: { answer: FunnelAnswer }) {
  const table = useMemo(() => funnelTable(answer), [answer]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "item" },
      series: [
        {
          type: "funnel",
          sort: "none",
          left: 8,
          width: "55%",
          top: 8,
          bottom: 8,
          minSize: "4%",
          gap: 2,
          label: { position: "right", color: "#343a40", formatter: "{b}: {c}" },
          data: answer.by_step.map((step, index) => ({ name: `${index + 1}. ${step.event}`, value: step.profiles })),
        },
      ],
    }),
    [answer],
  );
  const summary =
    `Funnel of ${answer.by_step.length} steps: ` +
    answer.by_step.map((step, index) => `step ${index + 1}, ${step.event}, ${step.profiles} profiles`).join("; ") +
    `. ${answer.completed} of ${answer.entered} completed it.`;
  return (
    <Card>
      <Text size="sm" mb="sm">
        {answer.entered} profiles entered, {answer.completed} completed every step.
      </Text>
      <Box data-testid="funnel-table">
        <Chart option={option} summary={summary} table={table} height={Math.max(200, answer.by_step.length * 64)} tableBelow />
      </Box>
    </Card>
  );
}
