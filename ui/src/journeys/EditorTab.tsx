import { useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { useSession } from "../auth/session";
import { getStats, type Journey } from "./api";
import JourneyEditor from "./builder/JourneyEditor";
import type { JourneyDefinition } from "./definition";
import { overlayCounts } from "./overlay";
import { PeopleAtNode } from "./PeopleAtNode";
import { journeyKeys } from "./queries";

type Props = {
  journey: Journey | null;
  value: JourneyDefinition;
  onChange?: (next: JourneyDefinition) => void;
  errors: { field: string; message: string }[];
};

const LIVE_EVERY_MS = 2000;

/** The builder with the live counts of the published journey, refreshed while it is shown. */
export function EditorTab({ journey, value, onChange, errors }: Props) {
  const { can } = useSession();
  const key = journey?.key ?? "";
  const live = journey !== null && journey.published_version !== null && can("read_reports");
  const stats = useQuery({
    queryKey: journeyKeys.stats(key),
    queryFn: () => getStats(key),
    enabled: live,
    refetchInterval: LIVE_EVERY_MS,
  });
  // Live counts as a backtest's: per node entered, waiting, exited and reached the goal.
  const hasGoal = value.goal !== undefined && value.goal !== null;
  const counts = useMemo(() => (stats.data ? overlayCounts(stats.data.nodes, hasGoal) : null), [stats.data, hasGoal]);
  const showPeople = live && can("read_profiles");
  const nodeExtras = useCallback((node: string) => <PeopleAtNode key={node} journeyKey={key} node={node} />, [key]);
  return (
    <JourneyEditor
      value={value}
      onChange={onChange}
      errors={errors}
      overlay={live && counts ? { label: "Live", counts } : undefined}
      nodeExtras={showPeople ? nodeExtras : undefined}
      height="max(520px, calc(100vh - 260px))"
    />
  );
}
