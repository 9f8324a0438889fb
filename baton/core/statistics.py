"""The statistics of experiments: a rate with its 95% Wilson interval, the lift of a
variant over control with intervals (absolute: Newcombe's hybrid score interval;
relative: the log risk ratio), a two-sided p-value (two-proportion z-test), the
Bayesian probability that each arm is best (Beta(1 + conversions, 1 + misses)
posteriors, sampled), and a bootstrap interval of revenue per profile.

Every interval is 95%. The coverage of the rate and lift intervals is checked on
simulated experiments with a known effect (tests/analytics/test_stats.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Z = 1.959963984540054  # the normal quantile of 97.5%
# A sample that cannot tell this relative lift from none, at the usual 80% power, is
# called too small for its effect.
_POWER_Z = 0.8416212335729143


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def json(self) -> list[float]:
        return [round(self.low, 6), round(self.high, 6)]

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


def wilson(successes: int, n: int) -> Interval:
    """The Wilson score interval of a rate."""
    if n == 0:
        return Interval(0.0, 1.0)
    p = successes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def difference(s1: int, n1: int, s2: int, n2: int) -> Interval:
    """Newcombe's hybrid score interval of p1 - p2 (variant minus control)."""
    p1, p2 = s1 / n1, s2 / n2
    one, two = wilson(s1, n1), wilson(s2, n2)
    d = p1 - p2
    return Interval(
        d - math.sqrt((p1 - one.low) ** 2 + (two.high - p2) ** 2),
        d + math.sqrt((one.high - p1) ** 2 + (p2 - two.low) ** 2),
    )


def ratio(s1: int, n1: int, s2: int, n2: int) -> Interval | None:
    """The interval of p1 / p2 - 1 (relative lift), from the log risk ratio; None when
    either arm has no conversion."""
    if s1 == 0 or s2 == 0:
        return None
    log_ratio = math.log((s1 / n1) / (s2 / n2))
    se = math.sqrt(1 / s1 - 1 / n1 + 1 / s2 - 1 / n2)
    return Interval(math.exp(log_ratio - Z * se) - 1, math.exp(log_ratio + Z * se) - 1)


def p_value(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (s1 / n1 - s2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def probability_to_be_best(
    arms: Sequence[tuple[int, int]], draws: int = 20_000, seed: int = 0
) -> list[float]:
    """For each (conversions, profiles), the posterior probability its rate is highest."""
    import numpy as np  # here: only reports and split optimization need numpy's 20 MB

    rng = np.random.default_rng(seed)
    samples = np.stack(
        [rng.beta(1 + s, 1 + n - s, size=draws) for s, n in arms]  # uniform prior
    )
    best = np.bincount(samples.argmax(axis=0), minlength=len(arms))
    return [float(count) / draws for count in best]


def bootstrap_mean_difference(
    variant: Sequence[float], control: Sequence[float], draws: int = 2_000, seed: int = 0
) -> Interval | None:
    """Percentile bootstrap interval of mean(variant) - mean(control)."""
    if not variant or not control:
        return None
    import numpy as np  # see probability_to_be_best

    rng = np.random.default_rng(seed)
    low, high = np.percentile(
        _resampled_means(variant, draws, rng) - _resampled_means(control, draws, rng),
        [2.5, 97.5],
    )
    return Interval(float(low), float(high))


def _resampled_means(
    values: Sequence[float], draws: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """The means of `draws` resamples (with replacement) of `values`. A resample counts
    each distinct value a multinomial number of times, so the work grows with the
    distinct values (few: most profiles spend nothing), not with the profiles."""
    import numpy as np  # see probability_to_be_best

    distinct, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
    n = len(values)
    means: npt.NDArray[np.float64] = rng.multinomial(n, counts / n, size=draws) @ distinct / n
    return means


def too_small(s1: int, n1: int, s2: int, n2: int) -> bool:
    """Whether the arms are too small to detect the observed effect with 80% power at
    the 5% level (or to say anything: fewer than 100 profiles or 5 conversions)."""
    if min(n1, n2) < 100 or min(s1, s2) < 5:
        return True
    p1, p2 = s1 / n1, s2 / n2
    if p1 == p2:
        return False  # no effect to detect: the interval says how small it could be
    pooled = (p1 + p2) / 2
    needed = (Z + _POWER_Z) ** 2 * 2 * pooled * (1 - pooled) / (p1 - p2) ** 2
    return min(n1, n2) < needed
