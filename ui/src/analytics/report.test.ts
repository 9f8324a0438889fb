import { describe, expect, it } from "vitest";
import { csvHref, nodeFunnel, type NodeFigures } from "./report";

const figures = (entered: number): NodeFigures => ({ entered, exited: 0, goals: 0, dropped: 0, waiting: 0 });

describe("nodeFunnel", () => {
  it("orders the steps by how many entered them, ties by name", () => {
    const nodes = nodeFunnel({ nodes: { reminder: figures(44), "first-wait": figures(64), incentive: figures(23), "last-chance": figures(23) } });
    expect(nodes.map((node) => node.node)).toEqual(["first-wait", "reminder", "incentive", "last-chance"]);
    expect(nodes[0]).toMatchObject({ node: "first-wait", entered: 64 });
  });
});

describe("csvHref", () => {
  it("asks the export for the report's own period, the key escaped", () => {
    expect(csvHref("a/b", { from: "2026-11-06T00:00:00+00:00", to: "2026-12-06T00:00:00+00:00" })).toBe(
      "/api/v1/journeys/a%2Fb/report.csv?from=2026-11-06T00%3A00%3A00%2B00%3A00&to=2026-12-06T00%3A00%3A00%2B00%3A00",
    );
  });
});
