import { describe, expect, it } from "vitest";
import type { Arm, Experiment } from "./report";
import { armLabel, experimentTitle, experimentVerdict } from "./verdict";

function arm(profiles: number, conversions: number, compared?: Partial<Arm>): Arm {
  const rate = profiles ? conversions / profiles : 0;
  return { profiles, conversions, rate, rate_interval: [0, 1], probability_to_be_best: 0.5, revenue_per_profile: 0, ...compared };
}

const holdout = (treated: Arm): Experiment => ({ control: "holdout", arms: { holdout: arm(1000, 100), treated } });

describe("experimentVerdict", () => {
  it("names the winner, the difference in points and its interval", () => {
    const verdict = experimentVerdict("holdout", holdout(arm(1000, 150, { lift: 0.05, lift_interval: [0.021, 0.079], sample_too_small: false })));
    expect(verdict).toBe(
      "The people messaged wins: 15.0% of the people messaged reached the goal against 10.0% of the holdout (no messages), +5.0 points (95% interval +2.1 to +7.9 points).",
    );
  });

  it("lets the control win when the whole interval is below zero", () => {
    const split: Experiment = {
      control: "control",
      arms: { control: arm(800, 160), B: arm(800, 96, { lift: -0.08, lift_interval: [-0.115, -0.045], sample_too_small: false }) },
    };
    expect(experimentVerdict("split:offer", split)).toMatch(/^Arm “control” wins: 12\.0% of arm “B” .* −8\.0 points \(95% interval −11\.5 to −4\.5 points\)\.$/);
  });

  it("says there is no clear winner when the interval spans zero", () => {
    const verdict = experimentVerdict("holdout", holdout(arm(1000, 110, { lift: 0.01, lift_interval: [-0.017, 0.037], sample_too_small: false })));
    expect(verdict).toMatch(/^No clear winner: .* \+1\.0 points \(95% interval −1\.7 to \+3\.7 points\); the interval includes no difference at all\.$/);
  });

  it("asks for more data while the sample is too small, even if the interval excludes zero", () => {
    const verdict = experimentVerdict("holdout", holdout(arm(40, 20, { lift: 0.4, lift_interval: [0.25, 0.55], sample_too_small: true })));
    expect(verdict).toMatch(/^Not enough data yet to pick a winner: .* from 40 and 1000 profiles\.$/);
  });

  it("asks for more data when a group is empty or alone", () => {
    expect(experimentVerdict("holdout", holdout(arm(0, 0)))).toBe("Not enough data yet: the people messaged has no profile in this period.");
    expect(experimentVerdict("split:a", { control: "A", arms: { A: arm(10, 1) } })).toMatch(/^Not enough data yet/);
  });

  it("gives one sentence per challenger of a split", () => {
    const split: Experiment = {
      control: "A",
      arms: {
        A: arm(500, 50),
        B: arm(500, 90, { lift: 0.08, lift_interval: [0.04, 0.12], sample_too_small: false }),
        C: arm(500, 55, { lift: 0.01, lift_interval: [-0.03, 0.05], sample_too_small: false }),
      },
    };
    const verdict = experimentVerdict("split:offer", split);
    expect(verdict).toContain("Arm “B” wins");
    expect(verdict).toContain("No clear winner: 11.0% of arm “C”");
  });
});

describe("names", () => {
  it("titles holdouts and splits", () => {
    expect(experimentTitle("split:offer")).toBe("Split test at step “offer”");
    expect(armLabel("holdout", "treated")).toBe("the people messaged");
  });
});
