import { Badge } from "@mantine/core";
import type { JourneyStatus } from "./api";

const LOOK: Record<JourneyStatus, { color: string; label: string }> = {
  draft: { color: "gray", label: "Draft" },
  published: { color: "green", label: "Live" },
  paused: { color: "yellow", label: "Paused" },
  archived: { color: "dark", label: "Archived" },
};

export function StatusBadge({ status }: { status: JourneyStatus }) {
  const look = LOOK[status];
  return (
    <Badge component="span" color={look.color} variant="dot">
      {look.label}
    </Badge>
  );
}

export const STATUS_OPTIONS = (Object.keys(LOOK) as JourneyStatus[]).map((value) => ({ value, label: LOOK[value].label }));
