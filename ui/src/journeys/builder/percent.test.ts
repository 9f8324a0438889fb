import { expect, test } from "vitest";
import { fromPercent, toPercent } from "./percent";

test("shares show as percentages and come back exactly", () => {
  for (const share of [0, 0.01, 0.07, 0.1, 0.25, 0.5, 0.999]) expect(fromPercent(toPercent(share))).toBe(share);
  expect(toPercent(0.07)).toBe(7);
  expect(toPercent(undefined)).toBe("");
  expect(fromPercent("")).toBeUndefined();
});
