import { Alert, Divider, Stack } from "@mantine/core";
import type { Journey } from "./api";
import { BacktestPanel } from "./BacktestPanel";
import { TestRunPanel } from "./TestRunPanel";

/** Test runs and backtests of the last saved version. */
export function TestTab({ journey, dirty }: { journey: Journey | null; dirty: boolean }) {
  if (journey === null) {
    return (
      <Alert color="blue" variant="light" title="Save first">
        Save the journey as a draft to test it.
      </Alert>
    );
  }
  return (
    <Stack gap="xl">
      {dirty ? (
        <Alert color="blue" variant="light" title="Unsaved changes are not tested">
          Tests use version {journey.version}, the last one saved. Save your draft to test your latest changes.
        </Alert>
      ) : null}
      <TestRunPanel journeyKey={journey.key} />
      <Divider />
      <BacktestPanel journeyKey={journey.key} definition={journey.definition} />
    </Stack>
  );
}
