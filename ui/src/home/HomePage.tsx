import { Grid, Group, Stack, Text } from "@mantine/core";
import { hasTrend } from "../analytics/kpis";
import { usePeriod } from "../analytics/period";
import { PeriodPicker } from "../analytics/PeriodPicker";
import { useKpis } from "../analytics/queries";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatDay } from "../ui/format";
import { PageHeader } from "../ui/PageHeader";
import { AllKpisLink, KpiTiles } from "./KpiTiles";
import { KpiTrend } from "./KpiTrend";
import { LiveActivity } from "./LiveActivity";
import { NeedsAttention } from "./NeedsAttention";
import { PendingApprovals } from "./PendingApprovals";

export default function HomePage() {
  const { account, can } = useSession();
  const [days, setDays] = usePeriod();
  const reports = can("read_reports");
  const kpis = useKpis(days, reports);
  const name = account.user?.name?.split(" ")[0];
  const report = kpis.data;

  return (
    <>
      <PageHeader
        title={name ? `Welcome back, ${name}` : "Home"}
        description={
          report?.from && report.to
            ? `${account.workspace?.name ?? "Your workspace"} from ${formatDay(report.from)} to ${formatDay(report.to)}.`
            : `${account.workspace?.name ?? "Your workspace"} at a glance.`
        }
        actions={reports ? <PeriodPicker days={days} onChange={setDays} /> : null}
      />
      {reports ? (
        <Stack gap="lg">
          <section aria-label="Key figures">
            {kpis.isError ? (
              <ErrorNotice error={kpis.error} title="Could not load the key figures" />
            ) : (
              <KpiTiles report={report} days={days} loading={kpis.isPending} />
            )}
            <Group justify="flex-end" mt="xs">
              <AllKpisLink days={days} />
            </Group>
          </section>
          <Grid gap="lg">
            <Grid.Col span={{ base: 12, md: 7 }}>
              <LiveActivity />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <NeedsAttention />
            </Grid.Col>
          </Grid>
          {report && hasTrend(report) ? <KpiTrend report={report} /> : null}
          {can("approve") ? <PendingApprovals /> : null}
        </Stack>
      ) : (
        <Text c="dimmed">Your role does not include reports. Use the sections on the left to find your work.</Text>
      )}
    </>
  );
}
