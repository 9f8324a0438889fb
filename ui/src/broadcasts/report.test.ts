import { describe, expect, it } from "vitest";
import type { Counts, Lift } from "./api";
import { breakdown, holdoutVerdict, moves, progress } from "./report";

const lift = (over: Partial<Lift>): Lift => ({
  treated: { profiles: 950, conversions: 95, rate: 0.1, rate_interval: [0.08, 0.12] },
  holdout: { profiles: 50, conversions: 2, rate: 0.04, rate_interval: [0.01, 0.13] },
  lift: 0.06,
  lift_interval: [0.01, 0.11],
  relative_lift: 1.5,
  relative_lift_interval: [0.2, 4],
  p_value: 0.03,
  revenue_per_profile_difference_interval: null,
  sample_too_small: false,
  ...over,
});

const counts = (recipients: number, waiting = 0): Counts => ({
  recipients, sent: 0, delivered: 0, failed: 0, skipped: 0, cancelled: 0, waiting, opens: 0, clicks: 0,
  unsubscribes: 0, conversions: 0, revenue: 0, opens_rate: null, clicks_rate: null, unsubscribes_rate: null,
});

describe("the broadcast report", () => {
  it("says who wins against the holdout, with the interval", () => {
    expect(holdoutVerdict(lift({}))).toBe(
      "The people messaged wins: 10.0% of the people messaged reached the goal against 4.0% of the holdout (no messages), +6.0 points (95% interval +1.0 to +11.0 points).",
    );
    expect(holdoutVerdict(lift({ lift_interval: [-0.02, 0.11] }))).toMatch(/^No clear winner/);
    expect(holdoutVerdict(lift({ sample_too_small: true }))).toMatch(/^Not enough data yet/);
  });

  it("lists the largest groups first", () => {
    expect(breakdown({ hu: counts(5), en: counts(9), pl: counts(5) }).map((row) => row.name)).toEqual(["en", "hu", "pl"]);
  });

  it("counts how far it is", () => {
    expect(progress(counts(200, 50))).toBe(0.75);
    expect(progress(counts(0))).toBe(0);
  });

  it("offers only the moves the status allows", () => {
    expect(moves("draft", 0)).toEqual({ send: true, pause: false, resume: false, cancel: false, remove: true });
    expect(moves("sending", 10)).toMatchObject({ send: false, pause: true, cancel: true, remove: false });
    expect(moves("sent", 10)).toMatchObject({ pause: true, cancel: true, remove: true });
    expect(moves("sent", 0)).toMatchObject({ pause: false, cancel: false, remove: true });
    expect(moves("paused", 3)).toMatchObject({ pause: false, resume: true, cancel: true, remove: false });
  });
});
