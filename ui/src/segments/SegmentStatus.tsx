import { Badge } from "@mantine/core";

/** Live, or still building for every profile (with how far it is). */
export function SegmentStatus({ status, progress }: { status: "live" | "building"; progress: number }) {
  if (status === "live") return <Badge color="teal" variant="dot">Live</Badge>;
  return (
    <Badge color="yellow" variant="dot">
      Building {Math.floor(progress * 100)}%
    </Badge>
  );
}
