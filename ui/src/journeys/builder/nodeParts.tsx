import { IconAlertCircle, type Icon } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { formatCompact } from "../../ui/format";
import type { NodeCounts } from "./types";

/** The top of a card on the canvas: its icon, what kind it is and its name. */
export function NodeHead({ icon: Glyph, kind, name, children }: { icon: Icon; kind: string; name: string; children?: ReactNode }) {
  return (
    <div className="jb-head">
      <span className="jb-icon" aria-hidden>
        <Glyph size={17} stroke={1.8} />
      </span>
      <div className="jb-titles">
        <span className="jb-type">{kind}</span>
        <span className="jb-id">{name}</span>
      </div>
      {children}
    </div>
  );
}

/** The first mistake of a card, and how many more there are. */
export function NodeProblems({ problems }: { problems: readonly string[] | undefined }) {
  if (!problems?.length) return null;
  return (
    <div className="jb-problem">
      <IconAlertCircle size={14} aria-hidden style={{ flex: "none", marginTop: 1 }} />
      <span>
        {problems[0]}
        {problems.length > 1 ? ` (+${problems.length - 1} more)` : ""}
      </span>
    </div>
  );
}

/** How many entered, wait at, left at and reached the goal from a step (live or backtest). */
export function Counts({ counts }: { counts: NodeCounts }) {
  return (
    <div className="jb-counts">
      <span className="jb-count" title="Entered this step">
        <b>{formatCompact(counts.entered)}</b> entered
      </span>
      <span className="jb-count jb-count-waiting" title="Waiting here now">
        <b>{formatCompact(counts.waiting)}</b> waiting
      </span>
      <span className="jb-count" title="Left the journey here">
        <b>{formatCompact(counts.exited)}</b> exited
      </span>
      {counts.goal !== undefined ? (
        <span className="jb-count jb-count-goal" title="Reached the goal from here">
          <b>{formatCompact(counts.goal)}</b> goal
        </span>
      ) : null}
    </div>
  );
}
