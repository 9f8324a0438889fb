import type { BarSeriesOption, FunnelSeriesOption, HeatmapSeriesOption, LineSeriesOption, SankeySeriesOption } from "echarts/charts";
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import type { ComposeOption } from "echarts/core";

/** What a chart of the console may draw: the series and components EChart.tsx
 * registers, no more, so that echarts's chunk stays small. */
export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | FunnelSeriesOption
  | SankeySeriesOption
  | HeatmapSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
>;

/** A chart's figures as a table: its text equivalent. */
export type ChartTable = { caption: string; columns: string[]; rows: (string | number)[][] };

/** Calm, distinct colours that keep 3:1 against white for lines and bars. */
export const PALETTE = ["#4263eb", "#0c8599", "#e8590c", "#ae3ec9", "#2b8a3e", "#c2255c", "#5f3dc4"];
