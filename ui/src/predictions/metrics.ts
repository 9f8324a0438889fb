import { formatRate } from "../ui/format";
import type { Fairness, Kind, Metrics, Status, VersionStatus } from "./api";

export const KIND_LABELS: Record<Kind, string> = {
  classification: "Churn / propensity",
  clv: "Lifetime value",
  recommendations: "Recommendations",
  sentiment: "Sentiment",
};

/** A ratio such as an AUC, to two decimals: 0.7812 → "0.78". */
export const formatScore = (value: number | null | undefined): string => (value == null ? "–" : value.toFixed(2));

/** A fitted parameter, to three significant digits: 0.24259 → "0.243", 4.4135 → "4.41";
 * vanishing and huge ones (a fit at its edge) as "< 0.001" and "1.7e+5". */
export function formatParam(value: number | null | undefined): string {
  if (value == null) return "–";
  if (value !== 0 && Math.abs(value) < 0.001) return "< 0.001";
  if (Math.abs(value) >= 100_000) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** "en" → "English"; an unknown code as it is. */
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** `text` is the whole sentence: the `title`, then the figures (`detail`). */
type Verdict = { beats: boolean; title: string; detail: string; text: string };

const judged = (beats: boolean, title: string, detail: string): Verdict => ({ beats, title, detail, text: `${title}: ${detail}` });

/** Whether the model beats its baseline, and the sentence that says so with the figures;
 * null when its metrics hold no comparison. */
export function verdict(kind: Kind, metrics: Metrics | null | undefined): Verdict | null {
  if (!metrics) return null;
  if (kind === "classification" && metrics.auc != null && metrics.baseline) {
    const beats = metrics.beats_baseline ?? metrics.auc >= metrics.baseline.auc;
    const figures = `AUC ${formatScore(metrics.auc)} against ${formatScore(metrics.baseline.auc)} for ${metrics.baseline.model}`;
    return beats ? judged(beats, "Beats the baseline", `${figures}.`) : judged(beats, "Does not beat the baseline", `${figures}. Prefer the simpler model, or add features.`);
  }
  if (kind === "recommendations" && metrics.precision_at_k != null && metrics.popularity && metrics.k != null) {
    const beats = metrics.beats_popularity ?? metrics.precision_at_k > metrics.popularity.precision_at_k;
    const figures = `precision@${metrics.k} ${formatRate(metrics.precision_at_k)} against ${formatRate(metrics.popularity.precision_at_k)} for the most popular items`;
    return beats ? judged(beats, "Beats popularity", `${figures}.`) : judged(beats, "Does not beat popularity", `${figures}. Showing the best sellers would do as well.`);
  }
  return null;
}

/** The one figure a list shows for a model, by kind. */
export function headline(kind: Kind, metrics: Metrics | null | undefined): string {
  if (!metrics) return "–";
  switch (kind) {
    case "classification":
      if (metrics.auc == null) return "–";
      return metrics.baseline ? `AUC ${formatScore(metrics.auc)} vs ${formatScore(metrics.baseline.auc)} baseline` : `AUC ${formatScore(metrics.auc)}`;
    case "clv": {
      const params = metrics.params ?? {};
      const shown = ["r", "alpha", "a", "b"].filter((name) => params[name] != null);
      return shown.length ? shown.map((name) => `${name === "alpha" ? "α" : name} ${formatParam(params[name])}`).join(" · ") : "–";
    }
    case "recommendations":
      if (metrics.precision_at_k == null) return metrics.evaluated_people === 0 ? "Not evaluated: no held-out items" : "–";
      return `precision@${metrics.k} ${formatRate(metrics.precision_at_k)} vs ${formatRate(metrics.popularity?.precision_at_k)} popularity`;
    case "sentiment": {
      const supported = Object.entries(metrics.supported ?? {});
      const scored = supported.filter(([, yes]) => yes).map(([code]) => code);
      const detected = supported.filter(([, yes]) => !yes).map(([code]) => code);
      if (!supported.length) return "–";
      return `Scores ${scored.join(", ") || "no language"}${detected.length ? `; detects ${detected.join(", ")}` : ""}`;
    }
  }
}

export const STATUS: Record<Status, { label: string; color: string }> = {
  new: { label: "Queued", color: "gray" },
  training: { label: "Training", color: "yellow" },
  ready: { label: "Ready", color: "teal" },
  failed: { label: "Failed", color: "red" },
};

export const VERSION_STATUS: Record<VersionStatus, { label: string; color: string }> = {
  ready: { label: "Ready", color: "teal" },
  pending_approval: { label: "Waiting for approval", color: "yellow" },
  rejected: { label: "Rejected", color: "gray" },
  blocked: { label: "Blocked by fairness", color: "red" },
};

/** Where a profile's score stands among everyone's, in words; decile 1 is the highest tenth
 * for every kind. */
export function decileText(decile: number | null | undefined): string | null {
  if (decile == null) return null;
  if (decile === 1) return "in the highest tenth";
  if (decile === 10) return "in the lowest tenth";
  return decile <= 5 ? `in the top ${decile * 10}%` : `in the bottom ${(11 - decile) * 10}%`;
}

/** A profile's score as its kind reads: a probability, a value, a mood. */
export function scoreText(kind: Kind, score: number | null | undefined, traits: Record<string, unknown> = {}): string {
  if (kind === "recommendations") return "";
  if (score == null) {
    if (kind === "sentiment" && traits.language) return `written in ${languageName(String(traits.language))}, not scored`;
    return "no score";
  }
  if (kind === "classification") return formatRate(score);
  if (kind === "clv") return `${score.toLocaleString("en", { maximumFractionDigits: 2 })} expected spend`;
  const label = typeof traits.label === "string" ? `${traits.label} ` : "";
  return `${label}(${score >= 0 ? "+" : ""}${score.toFixed(2)})`;
}

/** The traits of a fairness report whose gap is over the bound. */
export function overBound(fairness: Fairness | null | undefined): string[] {
  if (!fairness || fairness.checked === false) return [];
  return Object.entries(fairness.traits)
    .filter(([, trait]) => !trait.within_bound)
    .map(([name]) => name);
}
