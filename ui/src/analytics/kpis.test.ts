import { describe, expect, it } from "vitest";
import { formatDuration, formatKpi, hasTrend, kpiChange, kpiDefinition, readKpis, type KpiDefinition } from "./kpis";

const revenue = kpiDefinition("revenue") as KpiDefinition;
const churn = kpiDefinition("churn_rate") as KpiDefinition;
const nps = kpiDefinition("nps") as KpiDefinition;
const spend = kpiDefinition("ad_spend") as KpiDefinition;

describe("readKpis", () => {
  it("reads the values, the previous period and the series of a trend answer", () => {
    const report = readKpis({
      from: "2026-11-06T00:00:00+00:00",
      to: "2026-12-06T00:00:00+00:00",
      visitors: 303,
      nps: null,
      previous: { visitors: 250, nps: 4.5 },
      bucket_days: 2,
      series: { visitors: [{ date: "2026-11-06", value: 10 }, { date: "2026-11-08", value: null }], nps: [] },
    });
    expect(report.values.visitors).toBe(303);
    expect(report.values.nps).toBeNull();
    expect(report.previous?.visitors).toBe(250);
    expect(report.previous?.nps).toBe(4.5);
    expect(report.series.visitors).toEqual([
      { date: "2026-11-06", value: 10 },
      { date: "2026-11-08", value: null },
    ]);
    expect(report.series.nps).toBeUndefined();
    expect(report.bucketDays).toBe(2);
  });

  it("does without trends when the server sends none", () => {
    const report = readKpis({ visitors: 3, revenue: 12.5 });
    expect(report.previous).toBeNull();
    expect(report.series).toEqual({});
    expect(report.bucketDays).toBe(1);
    expect(report.values.revenue).toBe(12.5);
    expect(report.values.csat).toBeNull();
  });

  it("drops malformed points and values", () => {
    const report = readKpis({ visitors: "many", series: { visitors: [{ value: 3 }, null, { date: "2026-01-01", value: "x" }] } });
    expect(report.values.visitors).toBeNull();
    expect(report.series.visitors).toEqual([{ date: "2026-01-01", value: null }]);
  });
});

describe("kpiChange", () => {
  it("compares money relatively, a rise being good", () => {
    expect(kpiChange(120, 100, revenue)).toEqual({ text: "+20%", direction: "up", good: true });
  });

  it("compares rates in points, a fall in churn being good", () => {
    expect(kpiChange(0.1, 0.125, churn)).toEqual({ text: "−2.5 pts", direction: "down", good: true });
  });

  it("compares scores in points", () => {
    expect(kpiChange(10, 12, nps)).toEqual({ text: "−2 pts", direction: "down", good: false });
  });

  it("says nothing without both periods, or from zero", () => {
    expect(kpiChange(null, 3, revenue)).toBeNull();
    expect(kpiChange(3, null, revenue)).toBeNull();
    expect(kpiChange(3, 0, revenue)).toBeNull();
  });

  it("is flat when the change rounds to nothing, and neither good nor bad for spend", () => {
    expect(kpiChange(100.01, 100, revenue)).toEqual({ text: "0%", direction: "flat", good: null });
    expect(kpiChange(200, 100, spend)?.good).toBeNull();
  });
});

describe("formatKpi", () => {
  it("formats each kind", () => {
    expect(formatKpi(13641.58, "money")).toBe("13,641.58");
    expect(formatKpi(0.455446, "rate")).toBe("45.5%");
    expect(formatKpi(1234, "count")).toBe("1,234");
    expect(formatKpi(7.14, "score")).toBe("7.1");
    expect(formatKpi(2.5, "ratio")).toBe("2.5×");
    expect(formatKpi(null, "count")).toBe("No data");
  });

  it("says durations in the unit that fits", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(720)).toBe("12 min");
    expect(formatDuration(18_720)).toBe("5.2 h");
    expect(formatDuration(1_007_292.5)).toBe("11.7 days");
    expect(formatDuration(86_400)).toBe("1 day");
    expect(formatDuration(88_000)).toBe("1 day");
  });
});

describe("hasTrend", () => {
  it("is false for a period without a figure other than 0", () => {
    expect(hasTrend(readKpis({ series: { visitors: [{ date: "2026-11-06", value: 0 }], nps: [{ date: "2026-11-06", value: null }] } }))).toBe(false);
    expect(hasTrend(readKpis({}))).toBe(false);
  });

  it("is true when any series moved", () => {
    expect(hasTrend(readKpis({ series: { visitors: [{ date: "2026-11-06", value: 0 }, { date: "2026-11-07", value: 2 }] } }))).toBe(true);
  });
});
