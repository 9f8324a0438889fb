import { describe, expect, it } from "vitest";
import { calibrationFigures, holdoutFigures, importanceFigures, liftFigures, recommendationFigures } from "./figures";

describe("the figures of a model's charts", () => {
  it("tell the lift of the first decile and tabulate every decile", () => {
    const lift = [
      { decile: 1, count: 9, rate: 0.78, lift: 2.1 },
      { decile: 2, count: 9, rate: 0.44, lift: 1.2 },
      { decile: 10, count: 8, rate: 0, lift: 0 },
    ];
    const figures = liftFigures(lift, "Churn");
    expect(figures.summary).toBe("Lift by decile of Churn: the highest-scored tenth holds 2.10 times the base rate (78% positive).");
    expect(figures.table.rows).toEqual([
      [1, "9", "78%", "2.10×"],
      [2, "9", "44%", "1.20×"],
      [10, "8", "0%", "0.00×"],
    ]);
  });

  it("measure calibration by its largest gap from the diagonal", () => {
    const bins = [
      { bin: "0.0-0.1", count: 40, mean_predicted: 0.05, observed_rate: 0.1 },
      { bin: "0.8-0.9", count: 10, mean_predicted: 0.85, observed_rate: 0.6 },
    ];
    expect(calibrationFigures(bins, "Churn").summary).toMatch(/in 2 bins; the largest difference is 25%\.$/);
  });

  it("rank inputs by importance, with the type inferred for each", () => {
    const features = [
      { name: "contract", type: "categorical", inferred: "text", importance: 0.6 },
      { name: "tenure_months", type: "numeric", inferred: "from text numbers", importance: 0.4 },
    ];
    const figures = importanceFigures(features, "Churn");
    expect(figures?.summary).toBe("The inputs of Churn by importance: contract (60%), tenure_months (40%).");
    expect(figures?.table.rows[1]).toEqual(["tenure_months", "numeric", "from text numbers", "40%"]);
    expect(importanceFigures([{ name: "x", type: "text" }], "Mood")).toBeNull();
  });

  it("compare the CLV holdout and recommendations with what they stand against", () => {
    const holdout = {
      start: "2026-11-20T00:00:00Z",
      end: "2026-12-06T00:00:00Z",
      length: 16,
      unit: "days",
      customers: 80,
      actual_total: 40,
      predicted_total: 44.2,
      relative_error: 0.105,
      by_calibration_purchases: [{ calibration_purchases: "0", customers: 60, actual_mean: 0.3, predicted_mean: 0.35 }],
    };
    expect(holdoutFigures(holdout, "Value").summary).toBe("Holdout of Value: 40 repeat purchases happened where 44.2 were predicted (10.5% off).");
    const overflowed = { ...holdout, predicted_total: null, relative_error: null, by_calibration_purchases: [{ calibration_purchases: "0", customers: 60, actual_mean: 0.3, predicted_mean: null }] };
    expect(holdoutFigures(overflowed, "Value").summary).toBe("Holdout of Value: 40 repeat purchases happened; the fitted model could not predict them (its expectation overflowed).");
    expect(holdoutFigures(overflowed, "Value").table.rows).toEqual([["0", "60", "0.30", "–"]]);
    const recommendations = { k: 3, evaluated_people: 50, precision_at_k: 0.2, recall_at_k: 0.5, popularity: { precision_at_k: 0.1, recall_at_k: 0.3 } };
    expect(recommendationFigures(recommendations, "Next")?.table.rows).toEqual([
      ["Precision@3", "20%", "10%"],
      ["Recall@3", "50%", "30%"],
    ]);
    expect(recommendationFigures({ k: 3, evaluated_people: 0 }, "Next")).toBeNull();
  });
});
