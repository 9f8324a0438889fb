import { describe, expect, it } from "vitest";
import { periodBounds } from "./period";

describe("periodBounds", () => {
  it("spans the last days up to now", () => {
    expect(periodBounds(7, new Date("2026-12-06T12:00:00Z"))).toEqual({
      from: "2026-11-29T12:00:00.000Z",
      to: "2026-12-06T12:00:00.000Z",
    });
  });
});
