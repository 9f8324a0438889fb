import { BarChart, FunnelChart, HeatmapChart, LineChart, SankeyChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use, type ECharts } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import { PALETTE, type ChartOption } from "./options";

// Only what ChartOption allows: each chart type or component added here grows the chunk.
use([LineChart, BarChart, FunnelChart, SankeyChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

const BASE: ChartOption = {
  color: PALETTE,
  textStyle: { fontFamily: "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", color: "#343a40" },
  animationDuration: 300,
};

/** ECharts drawing `option` into a box as wide as its parent. Loaded lazily by Chart. */
export default function EChart({ option, height }: { option: ChartOption; height: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const drawn = init(element, undefined, { renderer: "svg" });
    chart.current = drawn;
    const resized = new ResizeObserver(() => drawn.resize());
    resized.observe(element);
    return () => {
      resized.disconnect();
      drawn.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ ...BASE, ...option }, { notMerge: true });
  }, [option]);

  return <div ref={box} style={{ width: "100%", height }} />;
}
