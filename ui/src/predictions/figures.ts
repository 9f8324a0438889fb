import { PALETTE, type ChartOption, type ChartTable } from "../charts/options";
import { formatCount, formatRate } from "../ui/format";
import type { ClassificationMetrics, ClvMetrics, Feature, RecommendationMetrics } from "./api";

/** A chart, its sentence and its table (charts/Chart.tsx draws them). */
export type Figures = { option: ChartOption; summary: string; table: ChartTable; height: number };

const GRID = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };
const SPLIT = { lineStyle: { color: "#e9ecef" } };
const LEGEND = { top: 0, left: 0, itemWidth: 14, itemHeight: 8 };

/** Lift by decile of score (1 = highest): how many times the base rate each tenth holds. */
export function liftFigures(lift: NonNullable<ClassificationMetrics["lift"]>, name: string): Figures {
  const labels = lift.map((row) => String(row.decile));
  const values = lift.map((row) => row.lift ?? 0);
  const top = lift[0];
  return {
    height: 260,
    option: {
      legend: LEGEND,
      tooltip: { trigger: "axis", valueFormatter: (value) => (typeof value === "number" ? `${value.toFixed(2)}×` : "–") },
      grid: { ...GRID, bottom: 24 },
      xAxis: { type: "category", data: labels, name: "Decile (1 = highest scores)", nameLocation: "middle", nameGap: 28, axisTick: { show: false } },
      yAxis: { type: "value", splitLine: SPLIT, axisLabel: { formatter: (value: number) => `${value}×` } },
      series: [
        { type: "bar", name: "Lift over the base rate", data: values, itemStyle: { color: PALETTE[0] } },
        { type: "line", name: "Base rate (1×)", data: labels.map(() => 1), symbol: "none", lineStyle: { type: "dashed", color: "#868e96" }, itemStyle: { color: "#868e96" } },
      ],
    },
    summary: top
      ? `Lift by decile of ${name}: the highest-scored tenth holds ${top.lift?.toFixed(2) ?? "–"} times the base rate (${formatRate(top.rate)} positive).`
      : `Lift by decile of ${name}.`,
    table: {
      caption: `Lift by decile of ${name}`,
      columns: ["Decile", "Profiles", "Positive rate", "Lift"],
      rows: lift.map((row) => [row.decile, formatCount(row.count), formatRate(row.rate), row.lift == null ? "–" : `${row.lift.toFixed(2)}×`]),
    },
  };
}

/** Predicted probability against the rate observed, bin by bin, beside the diagonal of a
 * perfectly calibrated model. */
export function calibrationFigures(bins: NonNullable<ClassificationMetrics["calibration"]>, name: string): Figures {
  const points = bins.map((bin) => [bin.mean_predicted, bin.observed_rate]);
  const worst = bins.reduce((most, bin) => Math.max(most, Math.abs(bin.mean_predicted - bin.observed_rate)), 0);
  const axis = (label: string) => ({ type: "value" as const, min: 0, max: 1, name: label, nameLocation: "middle" as const, nameGap: 28, splitLine: SPLIT });
  return {
    height: 260,
    option: {
      grid: { ...GRID, bottom: 24, left: 16 },
      legend: LEGEND,
      tooltip: { trigger: "item", valueFormatter: (value) => (typeof value === "number" ? formatRate(value) : "–") },
      xAxis: axis("Predicted probability"),
      yAxis: axis("Observed rate"),
      series: [
        { type: "line", name: "Perfect calibration", data: [[0, 0], [1, 1]], symbol: "none", lineStyle: { type: "dashed", color: "#868e96" }, itemStyle: { color: "#868e96" } },
        { type: "line", name: "This model", data: points, symbolSize: 8, itemStyle: { color: PALETTE[2] }, lineStyle: { color: PALETTE[2] } },
      ],
    },
    summary: `Calibration of ${name}: predicted probability against the rate observed in ${bins.length} bins; the largest difference is ${formatRate(worst)}.`,
    table: {
      caption: `Calibration of ${name}`,
      columns: ["Predicted", "Profiles", "Mean predicted", "Observed rate"],
      rows: bins.map((bin) => [bin.bin, formatCount(bin.count), formatRate(bin.mean_predicted), formatRate(bin.observed_rate)]),
    },
  };
}

const IMPORTANCE_SHOWN = 12;

/** Each input's share of the model's explanations (mean |SHAP|), the largest first. */
export function importanceFigures(features: Feature[], name: string): Figures | null {
  const ranked = features.filter((f) => f.importance != null).slice(0, IMPORTANCE_SHOWN);
  if (!ranked.length) return null;
  return {
    height: Math.max(140, ranked.length * 26 + 40),
    option: {
      grid: { ...GRID, top: 8, right: 32 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (value) => (typeof value === "number" ? formatRate(value) : "–") },
      xAxis: { type: "value", splitLine: SPLIT, axisLabel: { formatter: (value: number) => formatRate(value) } },
      yAxis: { type: "category", inverse: true, data: ranked.map((f) => f.name), axisTick: { show: false }, axisLabel: { width: 240, overflow: "truncate" } },
      series: [{ type: "bar", name: "Share of importance", data: ranked.map((f) => f.importance ?? 0), barCategoryGap: "25%", itemStyle: { color: PALETTE[1] } }],
    },
    summary: `The inputs of ${name} by importance: ${ranked
      .slice(0, 3)
      .map((f) => `${f.name} (${formatRate(f.importance)})`)
      .join(", ")}.`,
    table: {
      caption: `Inputs of ${name} by importance`,
      columns: ["Input", "Type", "Inferred", "Importance"],
      rows: ranked.map((f) => [f.name, f.type, f.inferred ?? "–", formatRate(f.importance)]),
    },
  };
}

/** BG/NBD's forecast of repeat purchases after the calibration period against what
 * people bought, grouped by their purchases before it. */
export function holdoutFigures(holdout: NonNullable<ClvMetrics["holdout"]>, name: string): Figures {
  const groups = holdout.by_calibration_purchases;
  const labels = groups.map((g) => g.calibration_purchases);
  return {
    height: 260,
    option: {
      grid: { ...GRID, bottom: 24 },
      legend: LEGEND,
      tooltip: { trigger: "axis", valueFormatter: (value) => (typeof value === "number" ? value.toFixed(2) : "–") },
      xAxis: { type: "category", data: labels, name: "Repeat purchases before the holdout", nameLocation: "middle", nameGap: 28, axisTick: { show: false } },
      yAxis: { type: "value", splitLine: SPLIT },
      series: [
        { type: "bar", name: "Actual purchases per customer", data: groups.map((g) => g.actual_mean), itemStyle: { color: PALETTE[0] } },
        { type: "line", name: "Predicted", data: groups.map((g) => g.predicted_mean), symbolSize: 8, itemStyle: { color: PALETTE[2] }, lineStyle: { color: PALETTE[2] } },
      ],
    },
    summary:
      holdout.predicted_total == null
        ? `Holdout of ${name}: ${formatCount(holdout.actual_total)} repeat purchases happened; the fitted model could not predict them (its expectation overflowed).`
        : `Holdout of ${name}: ${formatCount(holdout.actual_total)} repeat purchases happened where ${holdout.predicted_total.toFixed(1)} were predicted${
            holdout.relative_error == null ? "" : ` (${formatRate(holdout.relative_error)} off)`
          }.`,
    table: {
      caption: `Predicted and actual repeat purchases of ${name} in the holdout`,
      columns: ["Purchases before", "Customers", "Actual (mean)", "Predicted (mean)"],
      rows: groups.map((g) => [g.calibration_purchases, formatCount(g.customers), g.actual_mean.toFixed(2), g.predicted_mean?.toFixed(2) ?? "–"]),
    },
  };
}

/** precision@k and recall@k of the model beside recommending the most popular items. */
export function recommendationFigures(metrics: RecommendationMetrics, name: string): Figures | null {
  if (metrics.precision_at_k == null || metrics.recall_at_k == null || !metrics.popularity) return null;
  const k = metrics.k;
  const labels = [`Precision@${k}`, `Recall@${k}`];
  const model = [metrics.precision_at_k, metrics.recall_at_k];
  const popular = [metrics.popularity.precision_at_k, metrics.popularity.recall_at_k];
  return {
    height: 220,
    option: {
      grid: GRID,
      legend: LEGEND,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (value) => (typeof value === "number" ? formatRate(value) : "–") },
      xAxis: { type: "category", data: labels, axisTick: { show: false } },
      yAxis: { type: "value", splitLine: SPLIT, axisLabel: { formatter: (value: number) => formatRate(value) } },
      series: [
        { type: "bar", name: "This model", data: model, itemStyle: { color: PALETTE[0] } },
        { type: "bar", name: "Most popular items", data: popular, itemStyle: { color: "#868e96" } },
      ],
    },
    summary: `${name} on held-out items: precision@${k} ${formatRate(model[0])} against ${formatRate(popular[0])} for popularity, recall@${k} ${formatRate(model[1])} against ${formatRate(popular[1])}.`,
    table: {
      caption: `${name} against popularity on held-out items`,
      columns: ["Measure", "This model", "Most popular items"],
      rows: labels.map((label, i) => [label, formatRate(model[i]), formatRate(popular[i])]),
    },
  };
}
