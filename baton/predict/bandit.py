"""Next best action: a contextual bandit over offers, learning from logged decisions.

Each arm is an offer worth `value` when the person converts and costing `cost` when given.
The bandit (mabwiser) learns each arm's conversion rate: LinTS over the context features
when there are any, Thompson sampling (Beta-Bernoulli) otherwise. To choose, it draws one
conversion rate per eligible arm from the posterior and takes the arm whose draw x value -
cost is highest. A `holdout` share of decisions is instead chosen uniformly at random:
honest data for learning and evaluation, and a propensity that is never 0.

The propensity (the probability the whole policy gave the chosen arm) is estimated from
`DRAWS` posterior draws: holdout / eligible + (1 - holdout) x the share of draws the arm
won. Logged decisions with their propensities give inverse propensity scoring (IPS)
estimates of any policy's value offline (`evaluate`).

Pure: no database, no journeys; randomness comes in as a numpy Generator (`seeded`).
numpy loads where a bandit computes, not in every process that imports the journeys
(about 13 MB in each of the API and worker processes; baton/predict/registry.py says why).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Posterior draws per decision for the propensity estimate; the first draw decides.
DRAWS = 200
# Exploration of LinTS: the posterior's standard deviation is scaled by it. Conversion
# is 0/1, whose noise is at most 0.5.
LINTS_ALPHA = 0.5


def seeded(seed: int) -> np.random.Generator:
    """The random source of one decision, or of one evaluation."""
    import numpy as np

    return np.random.default_rng(seed)


@dataclass(frozen=True)
class Arm:
    """An offer or price level: what a conversion is worth, and what giving it costs."""

    key: str
    value: float
    cost: float = 0.0

    def net(self, conversion: float) -> float:
        return conversion * self.value - self.cost


@dataclass(frozen=True)
class Logged:
    """A past decision with its outcome: `reward` is the arm's value if the person
    converted in the window, else 0."""

    arm: str
    context: Mapping[str, Any]
    reward: float
    propensity: float
    holdout: bool

    @property
    def converted(self) -> bool:
        return self.reward > 0


@dataclass(frozen=True)
class Choice:
    arm: str
    propensity: float
    holdout: bool
    reason: str
    # Each eligible arm's expected conversion (the mean of the draws) for people like this.
    conversion: dict[str, float]


def features(context: Mapping[str, Any]) -> dict[str, float | str]:
    """A context as the vectorizer reads it: numbers (also numeric strings, as CSV traits
    arrive) and booleans as numbers, other values as categories; missing ones left out."""
    found: dict[str, float | str] = {}
    for name, value in context.items():
        if value is None:
            continue
        if isinstance(value, bool | int | float):
            found[name] = float(value)
        else:
            text = str(value)
            try:
                number = float(text)
            except ValueError:
                found[name] = text
            else:
                found[name] = number if math.isfinite(number) else text
    return found


class Policy:
    """The bandit fitted on a node's logged decisions."""

    def __init__(self, arms: Sequence[str], context: Sequence[str], logged: Sequence[Logged]):
        self.arms = list(arms)
        self.context = list(context)
        # mabwiser and scikit-learn load where a decide node decides, not in every process
        # that imports the journeys (baton/predict/registry.py says why).
        import numpy as np
        from mabwiser.mab import MAB, LearningPolicy
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.preprocessing import StandardScaler

        known = [entry for entry in logged if entry.arm in self.arms]
        self.decisions = len(known)
        decided = np.array([entry.arm for entry in known], dtype=object)
        converted = np.array([float(entry.converted) for entry in known])
        rows = [
            features({name: entry.context.get(name) for name in self.context}) for entry in known
        ]
        self._vectorizer = DictVectorizer(sparse=False).fit(rows or [{}])
        # Until some context value has been seen there is nothing to condition on: plain
        # Thompson sampling (mabwiser's LinTS also mis-samples a single column).
        self.contextual = bool(self._vectorizer.feature_names_)
        if self.contextual:
            self._scaler = StandardScaler().fit(self._vectorizer.transform(rows))
            self._mab = MAB(self.arms, LearningPolicy.LinTS(alpha=LINTS_ALPHA))
            self._mab.fit(decided, converted, self._design(rows))
        else:
            self._mab = MAB(self.arms, LearningPolicy.ThompsonSampling())
            self._mab.fit(decided, converted)

    def _design(self, rows: Sequence[Mapping[str, float | str]]) -> np.ndarray:
        """Scaled features and an intercept (LinTS's ridge regression has none of its own)."""
        import numpy as np

        matrix = self._scaler.transform(self._vectorizer.transform(list(rows)))
        return np.hstack([matrix, np.ones((len(rows), 1))])

    def draws(
        self, context: Mapping[str, Any], rng: np.random.Generator, size: int = DRAWS
    ) -> dict[str, np.ndarray]:
        """`size` posterior draws of each arm's conversion rate for this context."""
        found = self._draws([context], rng, size)
        return {arm: found[0, :, i] for i, arm in enumerate(self.arms)}

    def _draws(
        self, contexts: Sequence[Mapping[str, Any]], rng: np.random.Generator, size: int
    ) -> np.ndarray:
        """Draws in one call: shape (contexts, size, arms)."""
        import numpy as np

        _reseed(self._mab, rng)
        rows = len(contexts) * size
        if self.contextual:
            wanted = [features({n: c.get(n) for n in self.context}) for c in contexts]
            found = self._mab.predict_expectations(
                self._design([row for row in wanted for _ in range(size)])
            )
        else:
            found = self._mab.predict_expectations(np.zeros((max(rows, 2), 1)))[:rows]
        table = np.array([[draw[arm] for arm in self.arms] for draw in found], dtype=float)
        return table.reshape(len(contexts), size, len(self.arms))

    def choose(
        self,
        eligible: Sequence[Arm],
        context: Mapping[str, Any],
        holdout: float,
        rng: np.random.Generator,
    ) -> Choice:
        """One decision among `eligible` (at least one arm, each one of the policy's)."""
        import numpy as np

        keys = [arm.key for arm in eligible]
        held = bool(rng.random() < holdout)
        pick = int(rng.integers(len(eligible)))
        drawn = self.draws(context, rng)
        nets = np.vstack([arm.value * drawn[arm.key] - arm.cost for arm in eligible])
        winners = np.argmax(nets, axis=0)
        chosen = pick if held else int(winners[0])
        share = float(np.mean(winners == chosen))
        propensity = holdout / len(eligible) + (1 - holdout) * share
        conversion = {key: float(np.clip(drawn[key].mean(), 0, 1)) for key in keys}
        return Choice(
            eligible[chosen].key,
            propensity,
            held,
            self._reason(eligible, chosen, held, conversion),
            conversion,
        )

    def _reason(
        self, eligible: Sequence[Arm], chosen: int, held: bool, conversion: dict[str, float]
    ) -> str:
        arm = eligible[chosen]
        so_far = f"{self.decisions} decision{'s' if self.decisions != 1 else ''} so far"
        if held:
            return f"holdout: {arm.key} chosen at random among the eligible offers; {so_far}"
        like = "per person like this" if self.contextual else "per person"
        earns = (
            f"{conversion[arm.key]:.2f} conversions x {_number(arm.value)} - "
            f"{_number(arm.cost)} = {arm.net(conversion[arm.key]):.2f}"
        )
        best = max(eligible, key=lambda a: a.net(conversion[a.key]))
        if best.key == arm.key:
            return f"offered {arm.key} because it earned the most {like}: {earns}; {so_far}"
        return (
            f"offered {arm.key} to learn more: it is expected to earn {earns} {like}, less "
            f"than {best.key}'s {best.net(conversion[best.key]):.2f}, but may well be better; "
            f"{so_far}"
        )

    def probabilities(
        self,
        eligible: Sequence[Arm],
        contexts: Sequence[Mapping[str, Any]],
        rng: np.random.Generator,
    ) -> np.ndarray:
        """For each context, the share of draws each eligible arm wins (the policy without
        its holdout): rows are contexts, columns the arms of `eligible`."""
        import numpy as np

        if not contexts:
            return np.zeros((0, len(eligible)))
        drawn = self._draws(contexts, rng, _EVALUATION_DRAWS)
        columns = [self.arms.index(arm.key) for arm in eligible]
        values = np.array([arm.value for arm in eligible])
        costs = np.array([arm.cost for arm in eligible])
        winners = np.argmax(drawn[:, :, columns] * values - costs, axis=2)
        return np.stack([np.mean(winners == i, axis=1) for i in range(len(eligible))], axis=1)


_EVALUATION_DRAWS = 50


def _reseed(mab: Any, rng: np.random.Generator) -> None:
    """Make mabwiser draw from `rng`: its implementation holds a generator of its own, and
    LinTS copies it into each arm's model when fitting."""
    from mabwiser.utils import create_rng

    seeded = create_rng(0)
    seeded.rng = rng
    implementation = mab._imp
    implementation.rng = seeded
    for model in getattr(implementation, "arm_to_model", {}).values():
        model.rng = seeded


def _number(value: float) -> str:
    return f"{value:g}"


def evaluate(
    arms: Sequence[Arm], logged: Sequence[Logged], policy: Policy, rng: np.random.Generator
) -> dict[str, Any]:
    """Offline evaluation of the logged decisions: per-arm counts and conversion rates;
    the mean net value per decision of the holdout (uniform random) and of the policy's
    own decisions; and inverse propensity scoring (IPS, with its self-normalised form,
    SNIPS) estimates of the learned policy's value and of the uniform random policy's
    over all logged decisions. Assumes every arm was eligible (caps and eligibility
    rules make the estimates approximate)."""
    import numpy as np

    by_key = {arm.key: arm for arm in arms}
    known = [entry for entry in logged if entry.arm in by_key and entry.propensity > 0]
    per_arm: dict[str, Any] = {}
    for arm in arms:
        mine = [entry for entry in known if entry.arm == arm.key]
        converted = sum(entry.converted for entry in mine)
        per_arm[arm.key] = {
            "decisions": len(mine),
            "offer_rate": _ratio(len(mine), len(known)),
            "conversions": converted,
            "conversion_rate": _ratio(converted, len(mine)),
            "holdout_decisions": sum(entry.holdout for entry in mine),
        }
    nets = np.array([entry.reward - by_key[entry.arm].cost for entry in known])
    held = np.array([entry.holdout for entry in known], dtype=bool)
    found: dict[str, Any] = {
        "decisions": len(known),
        "holdout_share": _ratio(int(held.sum()), len(known)),
        "arms": per_arm,
        "observed": {
            "policy_net_per_decision": _mean(nets[~held]) if len(known) else None,
            "holdout_net_per_decision": _mean(nets[held]) if len(known) else None,
        },
    }
    if not known:
        found["ips"] = None
        return found
    propensities = np.array([entry.propensity for entry in known])
    index = {arm.key: i for i, arm in enumerate(arms)}
    chosen = np.array([index[entry.arm] for entry in known])
    learned = policy.probabilities(arms, [entry.context for entry in known], rng)
    target = learned[np.arange(len(known)), chosen]
    uniform = np.full(len(known), 1 / len(arms))
    found["ips"] = {
        "learned_policy": _ips(nets, target, propensities),
        "random_policy": _ips(nets, uniform, propensities),
    }
    return found


def _ips(nets: np.ndarray, target: np.ndarray, propensities: np.ndarray) -> dict[str, float]:
    weights = target / propensities
    total = float(weights.sum())
    return {
        "ips": round(float((weights * nets).mean()), 4),
        "snips": round(float((weights * nets).sum() / total), 4) if total > 0 else 0.0,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 4) if len(values) else None
