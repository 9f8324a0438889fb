import { Badge, Progress, Stack, Text } from "@mantine/core";
import { readable } from "../api/errors";
import type { PredictionSummary } from "./api";
import { STATUS } from "./metrics";

/** Where training stands: how far while it trains, why when it failed. */
export function PredictionStatus({ prediction, reason = true }: { prediction: PredictionSummary; reason?: boolean }) {
  const { status, progress, error, training_requested } = prediction;
  const shown = STATUS[status];
  const queued = training_requested && status !== "training";
  return (
    <Stack gap={4} miw={reason ? 120 : undefined}>
      <Badge color={shown.color} variant="dot" data-testid="prediction-status">
        {status === "training" ? `Training ${Math.floor(progress * 100)}%` : shown.label}
      </Badge>
      {status === "training" ? <Progress value={progress * 100} size="xs" aria-label={`Training ${Math.floor(progress * 100)}%`} /> : null}
      {queued && status !== "new" ? (
        <Text size="xs" c="dimmed">
          Training again soon
        </Text>
      ) : null}
      {status === "failed" && error && reason ? (
        <Text size="xs" c="red.9" maw={320}>
          {readable(error)}
        </Text>
      ) : null}
    </Stack>
  );
}
