import { Button, Group, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatRate } from "../ui/format";
import { Figure } from "../ui/Figure";
import { backtest, type BacktestResult } from "./api";
import JourneyEditor from "./builder/JourneyEditor";
import type { JourneyDefinition } from "./definition";
import { backtestRange, dayAfter, overlayCounts } from "./overlay";

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

function reasons(found: Record<string, number>): string {
  return Object.entries(found)
    .map(([reason, n]) => `${reason.replace(/_/g, " ")}: ${formatCount(n)}`)
    .join(", ");
}

function Summary({ result }: { result: BacktestResult }) {
  return (
    <Stack gap="xs">
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Figure label="Events replayed" value={formatCount(result.events_replayed)} />
        <Figure label="Would have entered" value={formatCount(result.entered)} />
        <Figure label="Reached the goal" value={`${formatCount(result.goals.reached)} (${formatRate(result.goals.rate)})`} />
        <Figure label="Still inside at the end" value={formatCount(result.live_at_end)} />
      </SimpleGrid>
      {Object.keys(result.refused).length > 0 ? <Text size="sm">Kept out: {reasons(result.refused)}.</Text> : null}
      {Object.keys(result.outcomes).length > 0 ? <Text size="sm">How they left: {reasons(result.outcomes)}.</Text> : null}
    </Stack>
  );
}

/** Stored events of a period replayed through the saved journey, the counts drawn on the canvas. */
export function BacktestPanel({ journeyKey, definition }: { journeyKey: string; definition: JourneyDefinition }) {
  const [from, setFrom] = useState(daysAgo(30));
  const [to, setTo] = useState(daysAgo(1));
  const run = useMutation({ mutationFn: () => backtest(journeyKey, from, dayAfter(to)) });
  const result = run.data;
  const overlay = useMemo(
    () => (result ? { label: `Backtest ${backtestRange(result.from, result.to)}`, counts: overlayCounts(result.nodes) } : undefined),
    [result],
  );
  const invalid = from === "" || to === "" || to < from;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!invalid) run.mutate();
  }

  return (
    <Stack>
      <Title order={2} size="h4">
        Backtest
      </Title>
      <Text size="sm" c="dimmed">
        Replay the events customers really sent over a period, as if this journey had been live, and see where they would be. Nothing is sent.
        Long periods can take a minute.
      </Text>
      <form onSubmit={submit}>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} required w={170} />
          <TextInput
            type="date"
            label="To (included)"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            required
            w={170}
            error={from !== "" && to !== "" && to < from ? "Pick a day after the start" : null}
          />
          <Button type="submit" disabled={invalid} loading={run.isPending}>
            Run backtest
          </Button>
        </Group>
      </form>
      <ErrorNotice error={run.error} title="The backtest failed" />
      {result ? (
        <>
          <Summary result={result} />
          <JourneyEditor value={definition} overlay={overlay} height={520} />
        </>
      ) : null}
    </Stack>
  );
}
