import { describe, expect, it } from "vitest";
import { decileText, formatParam, headline, overBound, scoreText, verdict } from "./metrics";

const classification = { auc: 0.7812, pr_auc: 0.41, baseline: { model: "logistic regression", auc: 0.7104, pr_auc: 0.33 }, beats_baseline: true };

describe("verdict", () => {
  it("says whether a classifier beats logistic regression, with both AUCs", () => {
    expect(verdict("classification", classification)).toEqual({
      beats: true,
      title: "Beats the baseline",
      text: "Beats the baseline: AUC 0.78 against 0.71 for logistic regression.",
      detail: "AUC 0.78 against 0.71 for logistic regression.",
    });
    const worse = { ...classification, auc: 0.65, beats_baseline: false };
    expect(verdict("classification", worse)?.beats).toBe(false);
    expect(verdict("classification", worse)?.text).toMatch(/^Does not beat the baseline: AUC 0.65 against 0.71/);
  });

  it("compares recommendations with popularity at k", () => {
    const metrics = { k: 3, evaluated_people: 40, precision_at_k: 0.2, popularity: { precision_at_k: 0.25, recall_at_k: 0.3 }, beats_popularity: false };
    expect(verdict("recommendations", metrics)?.text).toBe(
      "Does not beat popularity: precision@3 20% against 25% for the most popular items. Showing the best sellers would do as well.",
    );
  });

  it("has nothing to say without a comparison", () => {
    expect(verdict("clv", { params: { r: 0.2 } })).toBeNull();
    expect(verdict("classification", null)).toBeNull();
    expect(verdict("recommendations", { k: 3, evaluated_people: 0 })).toBeNull();
  });
});

describe("headline", () => {
  it("reads each kind's figure", () => {
    expect(headline("classification", classification)).toBe("AUC 0.78 vs 0.71 baseline");
    expect(headline("clv", { params: { r: 0.24259, alpha: 4.4135, a: 0.793, b: 2.426, p: 6.2 } })).toBe("r 0.243 · α 4.41 · a 0.793 · b 2.43");
    expect(headline("recommendations", { k: 3, evaluated_people: 9, precision_at_k: 0.125, popularity: { precision_at_k: 0.1, recall_at_k: 0.2 } })).toBe(
      "precision@3 12.5% vs 10% popularity",
    );
    expect(headline("sentiment", { accuracy: { en: 0.9, hu: null }, supported: { en: true, hu: false, pl: false } })).toBe("Scores en; detects hu, pl");
    expect(headline("classification", null)).toBe("–");
  });
});

describe("decileText", () => {
  it("counts from the top for classification and from the bottom for CLV", () => {
    expect(decileText(1)).toBe("in the highest tenth");
    expect(decileText(3)).toBe("in the top 30%");
    expect(decileText(10)).toBe("in the lowest tenth");
    expect(decileText(9)).toBe("in the bottom 20%");
    expect(decileText(7)).toBe("in the bottom 40%");
    expect(decileText(null)).toBeNull();
  });
});

describe("scoreText", () => {
  it("shows a probability, a value or a mood", () => {
    expect(scoreText("classification", 0.1234)).toBe("12.3%");
    expect(scoreText("clv", 1234.5)).toBe("1,234.5 expected spend");
    expect(scoreText("sentiment", -0.62, { label: "negative" })).toBe("negative (-0.62)");
    expect(scoreText("sentiment", null, { language: "hu" })).toBe("written in Hungarian, not scored");
  });
});

describe("formatParam and overBound", () => {
  it("rounds parameters and finds the traits over the fairness bound", () => {
    expect(formatParam(0.0123456)).toBe("0.0123");
    expect(formatParam(2.64e-87)).toBe("< 0.001");
    expect(formatParam(168712.7)).toBe("1.7e+5");
    expect(overBound({ checked: false, note: "none" })).toEqual([]);
    const group = { groups: [], rate_gap: 0, mean_gap: 0, largest_gap: 0.3, pooled_groups: [], comparable: true };
    expect(
      overBound({ threshold: 0.5, max_gap: 0.2, profiles: 10, within_bound: false, traits: { gender: { ...group, within_bound: false }, age: { ...group, within_bound: true } } }),
    ).toEqual(["gender"]);
  });
});
