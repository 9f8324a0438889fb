import { describe, expect, it } from "vitest";
import type { CohortsAnswer, PathsAnswer } from "./exploration";
import { cohortCells, cohortsTable, funnelTable, pathsSankey, pathsTable, retentionColor } from "./shapes";

describe("funnelTable", () => {
  it("gives each step its profiles and conversions in percent", () => {
    const table = funnelTable({
      entered: 200,
      completed: 50,
      by_step: [
        { event: "Product Viewed", profiles: 200, conversion_from_previous: null, conversion_from_first: 1, median_seconds_from_previous: null },
        { event: "Order Completed", profiles: 50, conversion_from_previous: 0.25, conversion_from_first: 0.25, median_seconds_from_previous: 7200 },
      ],
    });
    expect(table.rows).toEqual([
      [1, "Product Viewed", 200, "–", "100.0%", "–"],
      [2, "Order Completed", 50, "25.0%", "25.0%", "2 h"],
    ]);
  });
});

const after: PathsAnswer = {
  event: "Product Added",
  direction: "after",
  profiles: 5,
  paths: [
    { path: ["Product Viewed", "Product Viewed"], profiles: 2 },
    { path: ["Product Viewed", "(end)"], profiles: 2 },
    { path: ["(end)"], profiles: 1 },
  ],
};

describe("pathsSankey", () => {
  it("keeps a repeated event apart per step, so the sankey has no cycle, and sums shared links", () => {
    const sankey = pathsSankey(after);
    expect(sankey.nodes.map((node) => node.name)).toEqual([
      "Product Added",
      "Product Viewed (+1)",
      "Product Viewed (+2)",
      "No more events (2)",
      "No more events (1)",
    ]);
    expect(sankey.links).toContainEqual({ source: "Product Added", target: "Product Viewed (+1)", value: 4 });
    expect(sankey.links).toContainEqual({ source: "Product Viewed (+1)", target: "Product Viewed (+2)", value: 2 });
    expect(sankey.links).toContainEqual({ source: "Product Added", target: "No more events (1)", value: 1 });
    const names = new Set(sankey.nodes.map((node) => node.name));
    expect(sankey.links.every((link) => names.has(link.source) && names.has(link.target))).toBe(true);
  });

  it("ends paths before an event at the event", () => {
    const before: PathsAnswer = { event: "Order Completed", direction: "before", profiles: 3, paths: [{ path: ["(end)", "Checkout Started"], profiles: 3 }] };
    expect(pathsSankey(before).links).toEqual([
      { source: "No earlier event (2)", target: "Checkout Started (−1)", value: 3 },
      { source: "Checkout Started (−1)", target: "Order Completed", value: 3 },
    ]);
    expect(pathsTable(before).rows).toEqual([["(no earlier event) → Checkout Started → Order Completed", 3, "100.0%"]]);
  });
});

describe("pathsTable", () => {
  it("reads each path from the event, with its share of the profiles", () => {
    expect(pathsTable(after).rows).toEqual([
      ["Product Added → Product Viewed → Product Viewed", 2, "40.0%"],
      ["Product Added → Product Viewed → (no more events)", 2, "40.0%"],
      ["Product Added → (no more events)", 1, "20.0%"],
    ]);
  });
});

describe("cohorts", () => {
  const answer: CohortsAnswer = {
    by: "first_seen",
    period: "week",
    cohorts: [
      { cohort: "2026-11-23", profiles: 2, active: [2, 1, 1], retention: [1, 0.5, 0.5] },
      { cohort: "2026-11-30", profiles: 1, active: [1], retention: [1] },
    ],
  };

  it("places each retention at its period and cohort", () => {
    expect(cohortCells(answer)).toEqual([
      [0, 0, 100],
      [1, 0, 50],
      [2, 0, 50],
      [0, 1, 100],
    ]);
  });

  it("tabulates every period, blank where a cohort is too young", () => {
    const table = cohortsTable(answer, (cohort) => cohort);
    expect(table.columns).toEqual(["Cohort", "Profiles", "Week 0", "Week 1", "Week 2"]);
    expect(table.rows[1]).toEqual(["2026-11-30", 1, "100.0%", "", ""]);
  });

  it("shades higher retention darker", () => {
    expect(retentionColor(0)).toBe("#edf2ff");
    expect(retentionColor(100)).toBe("#364fc7");
    expect(retentionColor(55)).not.toBe(retentionColor(15));
  });
});
