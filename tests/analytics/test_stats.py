"""The experiment statistics against known values and simulated experiments with a
known true effect."""

from __future__ import annotations

import math

import numpy as np
import pytest

from baton.core.statistics import (
    bootstrap_mean_difference,
    difference,
    p_value,
    probability_to_be_best,
    ratio,
    too_small,
    wilson,
)


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), table I: 0/10 and 5/10... computed with the score formula.
    assert wilson(0, 10).json() == pytest.approx([0.0, 0.277533], abs=1e-6)
    assert wilson(5, 10).json() == pytest.approx([0.236593, 0.763407], abs=1e-6)
    assert wilson(0, 0).json() == [0.0, 1.0]


def test_the_p_value_is_the_two_proportion_z_test() -> None:
    pooled = 80 / 2000
    z = (50 / 1000 - 30 / 1000) / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert p_value(50, 1000, 30, 1000) == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert 0.02 < p_value(50, 1000, 30, 1000) < 0.03
    assert p_value(30, 1000, 30, 1000) == pytest.approx(1.0)
    assert p_value(0, 10, 0, 10) == 1.0


@pytest.mark.parametrize(("control", "variant", "n"), [(0.10, 0.12, 2000), (0.03, 0.03, 5000)])
def test_intervals_cover_the_true_effect_in_about_95_percent_of_200_experiments(
    control: float, variant: float, n: int
) -> None:
    rng = np.random.default_rng(2026)
    rate_hits = lift_hits = relative_hits = 0
    for _ in range(200):
        s1, s2 = int(rng.binomial(n, variant)), int(rng.binomial(n, control))
        rate_hits += wilson(s1, n).covers(variant)
        lift_hits += difference(s1, n, s2, n).covers(variant - control)
        relative = ratio(s1, n, s2, n)
        relative_hits += relative is not None and relative.covers(variant / control - 1)
    for hits in (rate_hits, lift_hits, relative_hits):
        assert 186 <= hits <= 194  # 93% to 97%


def test_the_probability_to_be_best_follows_the_evidence() -> None:
    even = probability_to_be_best([(50, 1000), (50, 1000)])
    assert even == pytest.approx([0.5, 0.5], abs=0.02)
    assert sum(even) == pytest.approx(1.0)
    clear = probability_to_be_best([(50, 1000), (80, 1000), (40, 1000)])
    assert clear[1] > 0.99
    assert probability_to_be_best([(50, 1000), (80, 1000)], seed=1)[1] == pytest.approx(
        clear[1], abs=0.01
    )


def test_the_bootstrap_interval_covers_a_known_revenue_difference() -> None:
    rng = np.random.default_rng(7)
    variant = list(rng.exponential(12.0, 3000))
    control = list(rng.exponential(10.0, 3000))
    found = bootstrap_mean_difference(variant, control)
    assert found is not None
    assert found.covers(2.0)
    assert found.low > 0  # the difference is clear at this size
    assert bootstrap_mean_difference([], control) is None


def test_a_sample_too_small_for_its_effect_is_flagged() -> None:
    assert too_small(3, 50, 2, 50)
    assert too_small(110, 1000, 100, 1000)  # a 10% lift needs far more than 1,000
    assert not too_small(200, 1000, 100, 1000)
    assert not too_small(100, 1000, 100, 1000)
