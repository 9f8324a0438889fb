import { Alert, Card, Group, Progress, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import type { Interval } from "../analytics/report";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Figure } from "../ui/Figure";
import { formatCount, formatRate } from "../ui/format";
import { Loading } from "../ui/Loading";
import { TableCard } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import type { Counts, Lift, Report } from "./api";
import { breakdown, holdoutVerdict, progress } from "./report";

const money = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
const interval = (range: Interval | null | undefined) => (range ? `${formatRate(range[0])} to ${formatRate(range[1])}` : "–");

/** What the broadcast did: its counts, the lift against the holdout with its 95% interval,
 * the A/B test's winner, and the counts per variant and per language. */
export function BroadcastReport({ report }: { report: { data?: Report; error: unknown; isPending: boolean } }) {
  if (report.error) return <ErrorNotice error={report.error} title="Could not load the report" />;
  if (report.isPending || !report.data) return <Loading label="Loading the report" />;
  const { totals, holdout } = report.data;
  const share = progress(totals);
  return (
    <Stack gap="lg" data-testid="broadcast-report">
      {totals.waiting > 0 ? (
        <Card>
          <Group justify="space-between" mb={6}>
            <Text size="sm" fw={500}>
              {formatCount(totals.recipients - totals.waiting)} of {formatCount(totals.recipients)} messages handled
            </Text>
            <Text size="xs" c="dimmed">
              {formatCount(totals.waiting)} waiting for their turn
            </Text>
          </Group>
          <Progress value={share * 100} aria-label={`${Math.floor(share * 100)}% handled`} />
        </Card>
      ) : null}
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" data-testid="report-figures">
        <Figure label="Recipients" value={formatCount(report.data.recipients)} detail={report.data.holdout_size ? `${formatCount(report.data.holdout_size)} held out` : "No holdout"} />
        <Figure label="Sent" value={formatCount(totals.sent)} detail={totals.failed ? `${formatCount(totals.failed)} failed` : undefined} />
        <Figure label="Delivered" value={formatCount(totals.delivered)} detail={totals.skipped ? `${formatCount(totals.skipped)} skipped by caps or consent` : undefined} />
        <Figure label="Opens" value={formatCount(totals.opens)} detail={`${formatRate(totals.opens_rate)} of delivered`} />
        <Figure label="Clicks" value={formatCount(totals.clicks)} detail={`${formatRate(totals.clicks_rate)} of delivered`} />
        <Figure label="Unsubscribes" value={formatCount(totals.unsubscribes)} detail={`${formatRate(totals.unsubscribes_rate)} of delivered`} />
        <Figure label="Goal conversions" value={formatCount(totals.conversions)} />
        <Figure label="Revenue" value={money.format(totals.revenue)} />
      </SimpleGrid>
      {holdout ? <HoldoutCard lift={holdout} /> : null}
      {report.data.ab_test ? (
        <Alert color={report.data.ab_test.winner ? "teal" : "gray"} variant="light" title="A/B test" data-testid="ab-test-result">
          {report.data.ab_test.winner
            ? `Variant “${report.data.ab_test.winner}” won${report.data.ab_test.reason ? `: ${report.data.ab_test.reason}` : ""}. It went to the rest of the audience.`
            : "The variants are being tried on the sample; the winner goes to the rest after the wait."}
        </Alert>
      ) : null}
      <Breakdown
        title="By variant"
        description="The test's variants, and the winner's share of the rest."
        groups={report.data.variants}
        noun="Variant"
        testId="by-variant"
        label={(name) => (name === "default" && report.data?.ab_test && !report.data.ab_test.winner ? "the rest, waiting for the winner" : name)}
      />
      <Breakdown title="By language" description="Which of the template's language variants each person got." groups={report.data.locales} noun="Language" testId="by-locale" />
    </Stack>
  );
}

function HoldoutCard({ lift }: { lift: Lift }) {
  return (
    <Card data-testid="holdout-lift">
      <Title order={2} size="h4">
        Lift against the holdout
      </Title>
      <Text size="sm" mt={4} mb="sm">
        {holdoutVerdict(lift)}
      </Text>
      <Table.ScrollContainer minWidth={560} type="native">
        <Table>
          <TableHead columns={["Group", { label: "People", right: true }, { label: "Conversions", right: true }, { label: "Rate", right: true }, "95% interval"]} />
          <Table.Tbody>
            {(
              [
                ["Messaged", lift.treated],
                ["Holdout (no message)", lift.holdout],
              ] as const
            ).map(([label, group]) => (
              <Table.Tr key={label}>
                <Table.Td>{label}</Table.Td>
                <Table.Td ta="right">{formatCount(group.profiles)}</Table.Td>
                <Table.Td ta="right">{formatCount(group.conversions)}</Table.Td>
                <Table.Td ta="right">{formatRate(group.rate)}</Table.Td>
                <Table.Td>{interval(group.rate_interval)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="xs" c="dimmed" mt="xs">
        Relative lift {lift.relative_lift == null ? "–" : formatRate(lift.relative_lift)} (95% interval {interval(lift.relative_lift_interval)})
        {lift.p_value == null ? "" : ` · p = ${lift.p_value.toFixed(3)}`}
      </Text>
    </Card>
  );
}

type BreakdownProps = { title: string; description: string; groups: Record<string, Counts>; noun: string; testId: string; label?: (name: string) => string };

function Breakdown({ title, description, groups, noun, testId, label = (name) => name }: BreakdownProps) {
  const rows = breakdown(groups);
  if (rows.length === 0) return null;
  return (
    <TableCard title={title} description={description}>
      <Table.ScrollContainer minWidth={720} type="native" tabIndex={0} role="region" aria-label={title} data-testid={testId}>
        <Table>
          <TableHead
            edge
            columns={[noun, ...["Recipients", "Sent", "Delivered", "Opens", "Clicks", "Conversions", "Revenue"].map((label) => ({ label, right: true }))]}
          />
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.name}>
                <Table.Td pl="lg" ff="monospace">
                  {label(row.name)}
                </Table.Td>
                <Table.Td ta="right">{formatCount(row.recipients)}</Table.Td>
                <Table.Td ta="right">{formatCount(row.sent)}</Table.Td>
                <Table.Td ta="right">{formatCount(row.delivered)}</Table.Td>
                <Table.Td ta="right">{`${formatCount(row.opens)} (${formatRate(row.opens_rate)})`}</Table.Td>
                <Table.Td ta="right">{`${formatCount(row.clicks)} (${formatRate(row.clicks_rate)})`}</Table.Td>
                <Table.Td ta="right">{formatCount(row.conversions)}</Table.Td>
                <Table.Td ta="right" pr="lg">
                  {money.format(row.revenue)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </TableCard>
  );
}
