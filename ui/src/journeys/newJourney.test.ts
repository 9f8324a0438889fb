import { describe, expect, it } from "vitest";
import { emptyJourney, withStart } from "./newJourney";
import { backtestRange, dayAfter, overlayCounts } from "./overlay";

describe("withStart", () => {
  it("starts an empty journey at its first node once it has one", () => {
    const empty = emptyJourney("cart", "Cart", "Product Added");
    expect(withStart(empty)).toBe(empty);
    const one = { ...empty, nodes: { wait: { type: "delay", duration: "1h" } } };
    expect(withStart(one)).toEqual({ ...one, start: "wait" });
    expect(withStart({ ...one, start: "other" }).start).toBe("other");
  });
});

describe("overlay", () => {
  it("maps stats to canvas counts, goals when known", () => {
    expect(overlayCounts({ a: { entered: 3, waiting: 1, exited: 2 }, b: { entered: 1, waiting: 0, exited: 1, goals: 1 } })).toEqual({
      a: { entered: 3, waiting: 1, exited: 2 },
      b: { entered: 1, waiting: 0, exited: 1, goal: 1 },
    });
  });

  it("names a backtest's days, the last one included", () => {
    expect(dayAfter("2026-10-31")).toBe("2026-11-01");
    expect(dayAfter("2026-12-31")).toBe("2027-01-01");
    expect(backtestRange("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")).toBe("2026-10-01 – 2026-10-31");
  });
});
