import { Stack, Text } from "@mantine/core";
import { PageHeader } from "../ui/PageHeader";
import { JourneyMapSection } from "./JourneyMapSection";
import { KpiTable } from "./KpiTable";
import { PeriodPicker } from "./PeriodPicker";
import { usePeriod } from "./period";
import { useKpis } from "./queries";

export default function AnalyticsPage() {
  const [days, setDays] = usePeriod();
  const kpis = useKpis(days);
  return (
    <>
      <PageHeader
        title="Analytics"
        description="How customers move through their lifecycle, and the figures that say how the business is doing."
        actions={<PeriodPicker days={days} onChange={setDays} />}
      />
      <Stack gap="lg">
        <JourneyMapSection days={days} />
        <KpiTable report={kpis.data} error={kpis.error} days={days} />
        <Text size="sm" c="dimmed">
          Journey reports, funnels, paths and cohorts are coming to this page.
        </Text>
      </Stack>
    </>
  );
}
