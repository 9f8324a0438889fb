import type { ChartTable } from "../charts/options";
import { formatDuration } from "./kpis";
import type { CohortsAnswer, FunnelAnswer, PathsAnswer } from "./exploration";

const END = "(end)";
const percent = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}%`);

/** A funnel's figures per step, as its table shows them. */
export function funnelTable(answer: FunnelAnswer): ChartTable {
  return {
    caption: "Profiles at each step of the funnel",
    columns: ["Step", "Event", "Profiles", "From previous step", "From first step", "Median time from previous"],
    rows: answer.by_step.map((step, index) => [
      index + 1,
      step.event,
      step.profiles,
      percent(step.conversion_from_previous),
      percent(step.conversion_from_first),
      step.median_seconds_from_previous === null ? "–" : formatDuration(step.median_seconds_from_previous),
    ]),
  };
}

export type Sankey = { nodes: { name: string }[]; links: { source: string; target: string; value: number }[] };

/** The paths as a sankey: one node per event at each step (a sankey has no cycles, and a
 * path may repeat an event), the anchor event first (or last, for paths before it). */
export function pathsSankey(answer: PathsAnswer): Sankey {
  const after = answer.direction === "after";
  const nodes = new Map<string, { name: string }>();
  const links = new Map<string, { source: string; target: string; value: number }>();
  for (const { path, profiles } of answer.paths) {
    const steps = after ? path : [...path].reverse();
    const names = [answer.event, ...steps.map((event, index) => stepName(event, index + 1, after))];
    const walked = after ? names : [...names].reverse();
    for (const name of walked) nodes.set(name, { name });
    walked.slice(1).forEach((target, index) => {
      const source = walked[index] ?? answer.event;
      const key = `${source}\u0000${target}`;
      const link = links.get(key) ?? { source, target, value: 0 };
      link.value += profiles;
      links.set(key, link);
    });
  }
  return { nodes: [...nodes.values()], links: [...links.values()] };
}

function stepName(event: string, step: number, after: boolean): string {
  if (event === END) return after ? `No more events (${step})` : `No earlier event (${step})`;
  return `${event} (${after ? "+" : "−"}${step})`;
}

/** The top paths as rows: the path in words and how many profiles took it. */
export function pathsTable(answer: PathsAnswer): ChartTable {
  const after = answer.direction === "after";
  return {
    caption: `The most frequent paths ${after ? "after" : "before"} ${answer.event}`,
    columns: ["Path", "Profiles", "Share"],
    rows: answer.paths.map(({ path, profiles }) => {
      const steps = path.filter((event) => event !== END);
      const walked = after ? [answer.event, ...steps] : [...steps, answer.event];
      const ending = path.includes(END) ? (after ? " → (no more events)" : "") : "";
      const beginning = path.includes(END) && !after ? "(no earlier event) → " : "";
      return [`${beginning}${walked.join(" → ")}${ending}`, profiles, percent(answer.profiles ? profiles / answer.profiles : null)];
    }),
  };
}

/** The label of a cohort's k-th period: "Week 0", "Month 2". */
export function cohortPeriodLabel(period: CohortsAnswer["period"], k: number): string {
  return `${period === "week" ? "Week" : "Month"} ${k}`;
}

/** The widest cohort's periods, the columns of the heatmap and its table. */
export function cohortWidth(answer: CohortsAnswer): number {
  return Math.max(0, ...answer.cohorts.map((cohort) => cohort.retention.length));
}

/** Retention as heatmap cells [period, cohort row, rate], rates in percent. */
export function cohortCells(answer: CohortsAnswer): [number, number, number][] {
  return answer.cohorts.flatMap((cohort, row) =>
    cohort.retention.flatMap((rate, k) => (rate === null ? [] : [[k, row, Math.round(rate * 1000) / 10] as [number, number, number]])),
  );
}

export function cohortsTable(answer: CohortsAnswer, cohortLabel: (cohort: string) => string): ChartTable {
  const width = cohortWidth(answer);
  return {
    caption: "Share of each cohort active in each later period",
    columns: ["Cohort", "Profiles", ...Array.from({ length: width }, (_, k) => cohortPeriodLabel(answer.period, k))],
    rows: answer.cohorts.map((cohort) => [
      cohortLabel(cohort.cohort),
      cohort.profiles,
      ...Array.from({ length: width }, (_, k) => (k < cohort.retention.length ? percent(cohort.retention[k] ?? null) : "")),
    ]),
  };
}

/** A cell's colour for a retention in percent: the palette's indigo, lighter when lower. */
export function retentionColor(value: number): string {
  const shades = ["#edf2ff", "#dbe4ff", "#bac8ff", "#91a7ff", "#748ffc", "#5c7cfa", "#4c6ef5", "#4263eb", "#3b5bdb", "#364fc7"];
  return shades[Math.min(shades.length - 1, Math.max(0, Math.floor(value / 10)))] ?? "#edf2ff";
}
