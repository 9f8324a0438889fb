import { SegmentedControl } from "@mantine/core";
import { PERIODS, type PeriodDays } from "./period";

export function PeriodPicker({ days, onChange }: { days: PeriodDays; onChange: (days: PeriodDays) => void }) {
  return (
    <SegmentedControl
      aria-label="Period"
      size="sm"
      value={String(days)}
      onChange={(value) => onChange(Number(value) as PeriodDays)}
      data={PERIODS.map((period) => ({ value: String(period), label: `${period} days` }))}
    />
  );
}
