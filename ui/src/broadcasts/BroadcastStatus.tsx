import { Badge } from "@mantine/core";
import type { Status } from "./api";
import { STATUS } from "./report";

export function BroadcastStatus({ status }: { status: Status }) {
  const shown = STATUS[status];
  return (
    <Badge color={shown.color} variant="dot" data-testid="broadcast-status">
      {shown.label}
    </Badge>
  );
}
