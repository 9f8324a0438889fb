import type { NodeCounts } from "./builder/JourneyEditor";
import type { NodeStats } from "./api";

/** Per node counts from a journey's stats or a backtest, as the canvas draws them. Goal
 * counts are left out when the journey has no goal (`hasGoal` false) and nobody reached one. */
export function overlayCounts(nodes: Record<string, NodeStats>, hasGoal = true): Record<string, NodeCounts> {
  const goals = hasGoal || Object.values(nodes).some((found) => (found.goals ?? 0) > 0);
  return Object.fromEntries(
    Object.entries(nodes).map(([id, found]) => [
      id,
      { entered: found.entered, waiting: found.waiting, exited: found.exited, ...(!goals || found.goals === undefined ? {} : { goal: found.goals }) },
    ]),
  );
}

/** `2026-10-01 – 2026-10-31` from a backtest's [from, to) instants, its last day included. */
export function backtestRange(from: string, to: string): string {
  const last = new Date(new Date(to).getTime() - 1);
  return `${from.slice(0, 10)} – ${last.toISOString().slice(0, 10)}`;
}

/** The day after a `YYYY-MM-DD` date: a backtest up to and including it ends there. */
export function dayAfter(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}
