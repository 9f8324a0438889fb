import { Group, Stack } from "@mantine/core";
import { JourneyReport } from "./JourneyReport";
import { PeriodPicker } from "./PeriodPicker";
import { usePeriod } from "./period";

/** The journey page's "Report" tab: the report of the journey over the period chosen here. */
export default function JourneyReportTab({ journeyKey }: { journeyKey: string }) {
  const [days, setDays] = usePeriod();
  return (
    <Stack gap="md">
      <Group justify="flex-end">
        <PeriodPicker days={days} onChange={setDays} />
      </Group>
      <JourneyReport journeyKey={journeyKey} days={days} />
    </Stack>
  );
}
