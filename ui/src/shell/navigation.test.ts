import { describe, expect, it } from "vitest";
import { grouped, isActive, NAVIGATION } from "./navigation";

describe("isActive", () => {
  it("marks a section for its pages, Home only for itself", () => {
    expect(isActive("/segments", "/segments/at-risk")).toBe(true);
    expect(isActive("/journeys", "/journeys-archive")).toBe(false);
    expect(isActive("/", "/segments")).toBe(false);
    expect(isActive("/", "/")).toBe(true);
  });
});

describe("grouped", () => {
  it("keeps the order and leaves out groups a role has nothing in", () => {
    const viewerish = NAVIGATION.filter((item) => item.needs !== "read_profiles" && item.group !== "Measure");
    const groups = grouped(viewerish);
    expect(groups.map((group) => group.group)).toEqual(["Overview", "Engage", "Audience", "Workspace"]);
    expect(groups.find((group) => group.group === "Audience")?.items.map((item) => item.label)).toEqual(["Segments", "Computed traits", "Predictions"]);
  });
});
