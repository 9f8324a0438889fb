import { describe, expect, it } from "vitest";
import { sparklinePath } from "./sparkline";

describe("sparklinePath", () => {
  it("spans the box, the highest value at the top", () => {
    expect(sparklinePath([0, 10, 5], 104, 24, 2)).toBe("M2 22L52 2L102 12");
  });

  it("breaks the line at a missing value", () => {
    expect(sparklinePath([1, null, 3, 4], 8, 10, 0)).toBe("M0 10M5.33 3.33L8 0");
  });

  it("draws a flat series across the middle, and nothing without values", () => {
    expect(sparklinePath([3, 3], 10, 20, 0)).toBe("M0 10L10 10");
    expect(sparklinePath([], 10, 20)).toBe("");
    expect(sparklinePath([null], 10, 20)).toBe("");
  });

  it("centres a single value", () => {
    expect(sparklinePath([7], 10, 20, 0)).toBe("M5 10");
  });
});
