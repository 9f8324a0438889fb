import { describe, expect, it } from "vitest";
import { overlayCounts } from "./overlay";

describe("live overlay", () => {
  it("draws the live goals per node, and none for a journey without a goal", () => {
    const live = { wait: { entered: 4, waiting: 1, exited: 0, goals: 2 }, email: { entered: 2, waiting: 0, exited: 2, goals: 0 } };
    expect(overlayCounts(live, true)).toEqual({
      wait: { entered: 4, waiting: 1, exited: 0, goal: 2 },
      email: { entered: 2, waiting: 0, exited: 2, goal: 0 },
    });
    // Goals reached under a version that had one still show.
    expect(overlayCounts(live, false)).toEqual(overlayCounts(live, true));
    const none = { wait: { entered: 4, waiting: 1, exited: 0, goals: 0 } };
    expect(overlayCounts(none, false)).toEqual({ wait: { entered: 4, waiting: 1, exited: 0 } });
  });
});
