import type { Arm, Experiment, Interval } from "./report";

/** What an experiment of a journey report compares, as a title. */
export function experimentTitle(key: string): string {
  if (key === "holdout") return "Holdout: messages against no messages";
  return key.startsWith("split:") ? `Split test at step “${key.slice("split:".length)}”` : key;
}

/** An arm as a reader names it: the holdout's two groups by what happened to them. */
export function armLabel(key: string, arm: string): string {
  if (key === "holdout") return arm === "holdout" ? "the holdout (no messages)" : "the people messaged";
  return `arm “${arm}”`;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const points = (difference: number) => `${difference > 0 ? "+" : difference < 0 ? "−" : ""}${Math.abs(difference * 100).toFixed(1)}`;
const interval = ([low, high]: Interval) => `${points(low)} to ${points(high)} points`;
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The verdict of one arm against the control, in plain words, from the report's
 * statistics: who wins, by how many points, with the 95% interval of the difference;
 * or that there is not enough data yet to say. */
function armVerdict(key: string, control: string, controlArm: Arm, name: string, arm: Arm): string {
  const challenger = armLabel(key, name);
  const reference = armLabel(key, control);
  const rates = `${percent(arm.rate)} of ${challenger} reached the goal against ${percent(controlArm.rate)} of ${reference}`;
  if (arm.lift === undefined || arm.lift_interval === undefined) {
    return `Not enough data yet: ${arm.profiles ? reference : challenger} has no profile in this period.`;
  }
  const difference = `${points(arm.lift)} points (95% interval ${interval(arm.lift_interval)})`;
  if (arm.sample_too_small) {
    return `Not enough data yet to pick a winner: ${rates}, ${difference}, from ${arm.profiles} and ${controlArm.profiles} profiles.`;
  }
  const [low, high] = arm.lift_interval;
  if (low > 0) return `${capital(challenger)} wins: ${rates}, ${difference}.`;
  if (high < 0) return `${capital(reference)} wins: ${rates}, ${difference}.`;
  return `No clear winner: ${rates}, ${difference}; the interval includes no difference at all.`;
}

/** The experiment's verdict: one sentence per arm compared with the control. */
export function experimentVerdict(key: string, experiment: Experiment): string {
  const controlArm = experiment.arms[experiment.control];
  const challengers = Object.entries(experiment.arms).filter(([name]) => name !== experiment.control);
  if (controlArm === undefined || challengers.length === 0) return "Not enough data yet: the experiment has one group only so far.";
  return challengers.map(([name, arm]) => armVerdict(key, experiment.control, controlArm, name, arm)).join(" ");
}
