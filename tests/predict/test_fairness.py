"""The fairness report: a planted gap between groups is measured and flagged, small groups
are pooled, and scores that do not depend on the group stay within bound."""

from __future__ import annotations

import random

import orjson
import pytest

from baton.predict.fairness import NOT_SET, POOLED, fairness_report


def test_a_planted_score_gap_is_measured_and_breaks_the_bound() -> None:
    rng = random.Random(3)
    scores: dict[str, float] = {}
    groups: dict[str, dict[str, str | None]] = {}
    for n in range(400):
        gender = "Female" if n % 2 else "Male"
        band = ("18-24", "25-44", "45+")[n % 3]
        # Women's scores run 0.3 higher; age bands are treated alike.
        scores[f"p{n}"] = min(1.0, max(0.0, rng.gauss(0.6 if gender == "Female" else 0.3, 0.1)))
        groups[f"p{n}"] = {"gender": gender, "age_band": band}
    for n in range(400, 405):
        scores[f"p{n}"] = 0.5
        groups[f"p{n}"] = {"gender": "Nonbinary", "age_band": None}

    report = fairness_report(scores, groups, ["gender", "age_band"], 0.1)

    assert orjson.loads(orjson.dumps(report)) == report
    gender = report["traits"]["gender"]
    by_group = {g["group"]: g for g in gender["groups"]}
    assert set(by_group) == {"Female", "Male", POOLED}
    assert gender["pooled_groups"] == ["Nonbinary"]
    assert by_group[POOLED]["pooled"] is True
    assert by_group[POOLED]["count"] == 5
    assert by_group["Female"]["count"] == 200
    assert by_group["Female"]["mean_score"] == pytest.approx(0.6, abs=0.03)
    assert by_group["Male"]["mean_score"] == pytest.approx(0.3, abs=0.03)
    assert by_group["Female"]["rate_above"] > 0.8
    assert by_group["Male"]["rate_above"] < 0.1
    assert gender["rate_gap"] > 0.7
    assert gender["largest_gap"] == max(gender["rate_gap"], gender["mean_gap"])
    assert gender["within_bound"] is False

    age = report["traits"]["age_band"]
    assert {g["group"] for g in age["groups"]} == {"18-24", "25-44", "45+", POOLED}
    assert age["pooled_groups"] == [NOT_SET]
    assert age["largest_gap"] < 0.1
    assert age["within_bound"] is True
    assert report["within_bound"] is False

    # The same scores pass a looser bound.
    assert fairness_report(scores, groups, ["gender"], 0.9)["within_bound"] is True


def test_no_scores_have_nothing_to_compare() -> None:
    # A sentiment model before anyone wrote a comment scores nobody.
    report = fairness_report({}, {}, ["age_band"], 0.1)
    assert report["profiles"] == 0
    assert report["traits"] == {}
    assert report["within_bound"] is True
