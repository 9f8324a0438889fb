import { Stack, Tabs } from "@mantine/core";
import { PageHeader } from "../ui/PageHeader";
import { oneOf, useAddress } from "../ui/address";
import { CohortsSection } from "./CohortsSection";
import { FunnelBuilder } from "./FunnelBuilder";
import { JourneyMapSection } from "./JourneyMapSection";
import { KpiTable } from "./KpiTable";
import { PathsBuilder } from "./PathsBuilder";
import { PeriodPicker } from "./PeriodPicker";
import { usePeriod } from "./period";
import { useKpis } from "./queries";
import { ReportsSection } from "./ReportsSection";

const TABS = [
  { value: "overview", label: "Overview" },
  { value: "reports", label: "Journey reports" },
  { value: "funnels", label: "Funnels" },
  { value: "paths", label: "Paths" },
  { value: "cohorts", label: "Cohorts" },
] as const;
type Tab = (typeof TABS)[number]["value"];
const TAB_VALUES: readonly Tab[] = TABS.map((tab) => tab.value);

export default function AnalyticsPage() {
  const [days, setDays] = usePeriod();
  const [params, change] = useAddress();
  const tab = oneOf(params.get("tab"), TAB_VALUES, "overview");
  return (
    <>
      <PageHeader
        title="Analytics"
        description="How customers move through their lifecycle, what each journey achieves, and the figures that say how the business is doing."
        actions={<PeriodPicker days={days} onChange={setDays} />}
      />
      <Tabs value={tab} onChange={(value) => change({ tab: value === "overview" ? null : value })} keepMounted={false}>
        <Tabs.List mb="md">
          {TABS.map((option) => (
            <Tabs.Tab key={option.value} value={option.value}>
              {option.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Overview days={days} />
        </Tabs.Panel>
        <Tabs.Panel value="reports">
          <ReportsSection days={days} />
        </Tabs.Panel>
        <Tabs.Panel value="funnels">
          <FunnelBuilder days={days} />
        </Tabs.Panel>
        <Tabs.Panel value="paths">
          <PathsBuilder days={days} />
        </Tabs.Panel>
        <Tabs.Panel value="cohorts">
          <CohortsSection days={days} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function Overview({ days }: { days: number }) {
  const kpis = useKpis(days);
  return (
    <Stack gap="lg">
      <JourneyMapSection days={days} />
      <KpiTable report={kpis.data} error={kpis.error} days={days} />
    </Stack>
  );
}
