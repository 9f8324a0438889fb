import { expect, test } from "vitest";
import { fitOptions, fittingZoom, shiftToShow } from "./view";

const free = { width: 460, height: 600 };

test("a box already in the free part of the canvas is left where it is", () => {
  expect(shiftToShow({ x: 100, y: 100, width: 260, height: 110 }, free)).toEqual({ x: 0, y: 0 });
});

test("a box running under the side panel, or below the canvas, moves just far enough to show whole", () => {
  // The trigger centred on the whole canvas (820 px), the panel over its right 360 px.
  expect(shiftToShow({ x: 280, y: 24, width: 260, height: 128 }, free)).toEqual({ x: -96, y: 0 });
  // A step dropped near the bottom.
  expect(shiftToShow({ x: 100, y: 560, width: 260, height: 110 }, free)).toEqual({ x: 0, y: -86 });
  // Off the top-left.
  expect(shiftToShow({ x: -50, y: -10, width: 260, height: 110 }, free)).toEqual({ x: 66, y: 26 });
});

test("a box larger than the free part shows its top-left", () => {
  expect(shiftToShow({ x: 300, y: 0, width: 600, height: 110 }, free)).toEqual({ x: -284, y: 16 });
});

test("fitting keeps the journey out from under the panel", () => {
  expect(fitOptions(360).padding).toEqual({ top: "40px", bottom: "40px", left: "40px", right: "400px" });
  expect(fittingZoom({ width: 760, height: 260 }, 820, 600, 0)).toBeCloseTo(740 / 760);
  expect(fittingZoom({ width: 760, height: 260 }, 820, 600, 360)).toBe(0.5);
});
