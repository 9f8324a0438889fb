"""Lifetime value (`kind: clv`): BG/NBD for how often a customer buys again and whether
they are still a customer, Gamma-Gamma for how much they spend (lifetimes' fitters).

Purchases are the definition's event on live profiles. As in Fader, Hardie & Lee (2005),
a customer is summarised by calendar days (UTC): `frequency` counts the days with a
purchase after the first (several orders on one day count once), `recency` is the first
to the last of them and `T` the first to the end of the window, in the definition's time
unit (days, or days / 7 for weeks); `monetary` is the mean revenue of the repeat days.

A score's `value` is the CLV over the horizon: Gamma-Gamma's expected spend per purchase
times BG/NBD's expected purchases in each step of the horizon, discounted by
`discount_rate` per time unit at the end of each step (lifetimes' `customer_lifetime_value`
formula, in the definition's unit instead of months). Without spend data (no revenue, or
too few repeat buyers with spend to fit Gamma-Gamma) the customer's own mean spend per
purchase day stands in, then the workspace's; `value` is None when no purchase carries
revenue. `traits` are `p_alive` and `expected_purchases` over the horizon; deciles rank
the value, 1 the highest (as for every kind).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import ConvergenceError
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.predict.definitions import ClvDefinition
from baton.predict.kinds import Progress, Reason, Score, Trained
from baton.storage.tables import events, profiles

_UNIT_DAYS = {"days": 1, "weeks": 7}
# Below these the fits say more about chance than about the customers.
_MIN_CUSTOMERS = 20
_MIN_SPENDERS = 10
# The discounted CLV sums the horizon in at most this many steps.
_MAX_STEPS = 52
# The holdout comparison groups customers by calibration repeat purchases, 7+ together.
_TOP_GROUP = 7

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Customers:
    """Each buyer's summary, in the order of `profile_ids`."""

    profile_ids: list[str]
    frequency: Floats
    recency: Floats
    T: Floats
    # Mean revenue of the repeat days; 0 without repeats or revenue.
    monetary: Floats
    # Mean revenue of all purchase days; NaN without revenue.
    spend: Floats
    last_purchase: list[date]


@dataclass(frozen=True)
class Model:
    unit: str
    bgnbd: dict[str, float]
    gamma_gamma: dict[str, float] | None
    # The mean spend per purchase day of the training window, for buyers without any.
    mean_spend: float | None

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "unit": self.unit,
                "bgnbd": self.bgnbd,
                "gamma_gamma": self.gamma_gamma,
                "mean_spend": self.mean_spend,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        found = json.loads(data)
        return cls(found["unit"], found["bgnbd"], found["gamma_gamma"], found["mean_spend"])

    def fitters(self) -> tuple[BetaGeoFitter, GammaGammaFitter | None]:
        """The fitted models, rebuilt from their parameters."""
        bgf = BetaGeoFitter()
        bgf.params_ = pd.Series(self.bgnbd)
        if self.gamma_gamma is None:
            return bgf, None
        ggf = GammaGammaFitter()
        ggf.params_ = pd.Series(self.gamma_gamma)
        return bgf, ggf


class Clv:
    """The `Kind` of `clv` predictions."""

    def train(
        self,
        connection: Connection,
        workspace_id: str,
        definition: ClvDefinition,
        now: datetime,
        progress: Progress,
    ) -> Trained:
        end = definition.calibration_end or now
        days = _purchase_days(connection, workspace_id, definition, None, end)
        calibration = summarise(days, end.date(), definition.time_unit)
        progress(0.2)
        if len(calibration.profile_ids) < _MIN_CUSTOMERS or not calibration.frequency.any():
            raise InvalidInput(
                f"CLV needs at least {_MIN_CUSTOMERS} buyers, some buying again, in"
                f" '{definition.event}' up to {end.date()}: found {len(calibration.profile_ids)}"
            )
        bgf, penalizer = _fit_purchases(calibration)
        progress(0.6)
        bgnbd = {name: float(bgf.params_[name]) for name in ("r", "alpha", "a", "b")}
        gamma_gamma, note = _fit_spend(calibration)
        known = calibration.spend[~np.isnan(calibration.spend)]
        mean_spend = float(known.mean()) if known.size else None
        model = Model(definition.time_unit, bgnbd, gamma_gamma, mean_spend)
        progress(0.8)
        metrics: dict[str, Any] = {
            "params": {**bgnbd, **(gamma_gamma or {})},
            "penalizer": penalizer,
            "customers": len(calibration.profile_ids),
            "repeat_purchases": int(calibration.frequency.sum()),
            "time_unit": definition.time_unit,
        }
        if note:
            metrics["notes"] = [note]
        if definition.calibration_end is not None and definition.calibration_end < now:
            metrics["holdout"] = _holdout(
                connection, workspace_id, definition, bgf, calibration, now
            )
        progress(1.0)
        first = min((d for by_day in days.values() for d in by_day), default=end.date())
        return Trained(
            model=model.to_bytes(),
            metrics=metrics,
            features=[
                _feature("frequency", "repeat purchase days"),
                _feature("recency", "first to last purchase"),
                _feature("T", "age as a customer"),
                _feature("monetary", "mean repeat spend"),
            ],
            window_start=datetime.combine(first, datetime.min.time(), end.tzinfo),
            window_end=end,
            intended_use=(
                "Rank customers by expected value over the horizon, find valuable customers"
                " who are probably lapsing (low p_alive), size retention budgets."
            ),
            limits=[
                "Assumes purchases at a steady personal rate until an unseen, permanent drop-out"
                " (non-contractual buying); subscriptions and seasonal buying break it.",
                "Spend is assumed independent of purchase frequency (Gamma-Gamma).",
                "Customers with one purchase day are judged by the population only.",
            ],
        )

    def score(
        self,
        connection: Connection,
        workspace_id: str,
        definition: ClvDefinition,
        model: bytes,
        now: datetime,
    ) -> Iterator[Score]:
        loaded, customers = _customers(connection, workspace_id, definition, model, None, now)
        if not customers.profile_ids:
            return
        values, p_alive, expected = _forecast(loaded, definition, customers)
        deciles = _deciles(values)
        for i, profile_id in enumerate(customers.profile_ids):
            value = None if math.isnan(values[i]) else round(float(values[i]), 2)
            yield Score(
                profile_id,
                value,
                deciles[i],
                traits={
                    "p_alive": round(float(p_alive[i]), 4),
                    "expected_purchases": round(float(expected[i]), 4),
                },
                detail={
                    "frequency": int(customers.frequency[i]),
                    "recency": round(float(customers.recency[i]), 4),
                    "T": round(float(customers.T[i]), 4),
                    "monetary": round(float(customers.monetary[i]), 2),
                    "unit": loaded.unit,
                },
            )

    def explain(
        self,
        connection: Connection,
        workspace_id: str,
        definition: ClvDefinition,
        model: bytes,
        profile_id: str,
        now: datetime,
    ) -> list[Reason]:
        loaded, customers = _customers(connection, workspace_id, definition, model, profile_id, now)
        if not customers.profile_ids:
            return [Reason(f"no {definition.event} yet", "frequency", 0.0)]
        values, p_alive, expected = _forecast(loaded, definition, customers)
        value, alive, buys = float(values[0]), float(p_alive[0]), float(expected[0])
        repeats = int(customers.frequency[0])
        ago = (now.date() - customers.last_purchase[0]).days
        if repeats:
            text = f"{_count(repeats, 'repeat purchase')}, the last {_count(ago, 'day')} ago"
        else:
            text = f"no repeat purchase yet, the first {_count(ago, 'day')} ago"
        never_again = Customers(
            customers.profile_ids,
            np.zeros(1),
            np.zeros(1),
            customers.T,
            customers.monetary,
            customers.spend,
            customers.last_purchase,
        )
        baseline = float(_forecast(loaded, definition, never_again)[0][0])
        reasons = [Reason(text, "frequency", _difference(value, baseline))]
        spend = _expected_spend(loaded, customers)[0]
        if not math.isnan(float(customers.spend[0])):
            shown = customers.monetary[0] if repeats else customers.spend[0]
            typical = _population_spend(loaded)
            effect = buys * (float(spend) - typical) if typical is not None else 0.0
            reasons.append(Reason(f"spends {shown:.2f} on average", "monetary", effect))
        state = "probably still active" if alive >= 0.5 else "probably lapsed"
        lost = value - value / alive if alive > 0 and not math.isnan(value) else 0.0
        reasons.append(Reason(f"{state} (p_alive {alive:.2f})", "p_alive", lost))
        horizon_days = parse_duration(definition.horizon).days
        reasons.append(
            Reason(
                f"expected to buy {buys:.1f} times in the next {_count(horizon_days, 'day')}",
                "expected_purchases",
                0.0,
            )
        )
        return reasons


def summarise(days: dict[str, dict[date, float | None]], end: date, unit: str) -> Customers:
    """Each buyer's frequency, recency, T and spend from their purchase days (revenue of
    each day, None without any) up to `end`."""
    per = float(_UNIT_DAYS[unit])
    ids, frequency, recency, age, monetary, spend, last = [], [], [], [], [], [], []
    for profile_id, by_day in days.items():
        ordered = sorted(by_day)
        first = ordered[0]
        ids.append(profile_id)
        frequency.append(len(ordered) - 1)
        recency.append((ordered[-1] - first).days / per)
        age.append((end - first).days / per)
        repeat = [v for d in ordered[1:] if (v := by_day[d]) is not None]
        monetary.append(sum(repeat) / len(repeat) if repeat else 0.0)
        every = [v for v in by_day.values() if v is not None]
        spend.append(sum(every) / len(every) if every else math.nan)
        last.append(ordered[-1])
    return Customers(
        ids,
        np.array(frequency, dtype=np.float64),
        np.array(recency, dtype=np.float64),
        np.array(age, dtype=np.float64),
        np.array(monetary, dtype=np.float64),
        np.array(spend, dtype=np.float64),
        last,
    )


def _customers(
    connection: Connection,
    workspace_id: str,
    definition: ClvDefinition,
    model: bytes,
    profile_id: str | None,
    now: datetime,
) -> tuple[Model, Customers]:
    """The stored model and the buyers (or one of them) as they stand now."""
    loaded = Model.from_bytes(model)
    days = _purchase_days(connection, workspace_id, definition, profile_id, now)
    return loaded, summarise(days, now.date(), loaded.unit)


def _purchase_days(
    connection: Connection,
    workspace_id: str,
    definition: ClvDefinition,
    profile_id: str | None,
    end: datetime,
    after: datetime | None = None,
) -> dict[str, dict[date, float | None]]:
    """{profile: {UTC day: revenue that day, None if no purchase carried any}} of the
    purchases in (`after`, `end`]."""
    e = events.c
    query = (
        select(e.profile_id, e.timestamp, e.properties[definition.revenue_property].as_string())
        .join(profiles, profiles.c.id == e.profile_id)
        .where(
            e.workspace_id == workspace_id,
            e.event == definition.event,
            e.type == "track",
            e.timestamp <= end,
            profiles.c.merged_into.is_(None),
        )
    )
    if after is not None:
        query = query.where(e.timestamp > after)
    if profile_id is not None:
        query = query.where(e.profile_id == profile_id)
    found: dict[str, dict[date, float | None]] = defaultdict(dict)
    for owner, at, revenue in connection.execute(query):
        day, amount = at.date(), _amount(revenue)
        by_day = found[owner]
        before = by_day.get(day)
        by_day[day] = amount if before is None else before + (amount or 0.0)
    return found


def _amount(value: object) -> float | None:
    """Revenue as sent: a number, or text that reads as one ("29.85")."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = float(cast(Any, value))
    except (TypeError, ValueError):
        return None
    return amount if math.isfinite(amount) else None


# Tried in turn: data far from BG/NBD's assumptions (purchases like clockwork, say) may
# not converge unpenalized; the smallest penalty that converges is kept, and reported.
_PENALIZERS = (0.0, 0.001, 0.01, 0.1)


def _fit_purchases(calibration: Customers) -> tuple[BetaGeoFitter, float]:
    for penalizer in _PENALIZERS:
        bgf = BetaGeoFitter(penalizer_coef=penalizer)
        try:
            bgf.fit(calibration.frequency, calibration.recency, calibration.T)
        except ConvergenceError:
            continue
        return bgf, penalizer
    raise InvalidInput(
        f"BG/NBD did not converge, even with a penalty of {_PENALIZERS[-1]}: the purchases"
        " may be too few or too regular for it"
    )


def _fit_spend(calibration: Customers) -> tuple[dict[str, float] | None, str | None]:
    """Gamma-Gamma's p, q, v, or why there are none."""
    spenders = (calibration.frequency > 0) & (calibration.monetary > 0)
    if int(spenders.sum()) < _MIN_SPENDERS:
        return None, (
            f"Gamma-Gamma not fitted: {int(spenders.sum())} repeat buyers with positive"
            f" revenue, {_MIN_SPENDERS} needed; CLV uses each customer's mean spend"
        )
    for penalizer in _PENALIZERS:
        ggf = GammaGammaFitter(penalizer_coef=penalizer)
        try:
            ggf.fit(calibration.frequency[spenders], calibration.monetary[spenders])
        except ConvergenceError:
            continue
        return {name: float(ggf.params_[name]) for name in ("p", "q", "v")}, None
    return None, "Gamma-Gamma did not converge; CLV uses each customer's mean spend"


def _holdout(
    connection: Connection,
    workspace_id: str,
    definition: ClvDefinition,
    bgf: BetaGeoFitter,
    calibration: Customers,
    now: datetime,
) -> dict[str, Any]:
    """Predicted and actual repeat purchase days after the calibration, in total, per
    customer and by calibration repeat purchases (Fader, Hardie & Lee 2005, fig. 4)."""
    end = cast(datetime, definition.calibration_end)
    later = _purchase_days(connection, workspace_id, definition, None, now, after=end)
    actual = np.array(
        [len(later.get(p, {}).keys() - {end.date()}) for p in calibration.profile_ids],
        dtype=np.float64,
    )
    length = (now.date() - end.date()).days / _UNIT_DAYS[definition.time_unit]
    predicted = np.asarray(
        bgf.conditional_expected_number_of_purchases_up_to_time(
            length, calibration.frequency, calibration.recency, calibration.T
        ),
        dtype=np.float64,
    )
    groups = []
    for purchases in range(_TOP_GROUP + 1):
        if purchases < _TOP_GROUP:
            members = calibration.frequency == purchases
        else:
            members = calibration.frequency >= purchases
        if members.any():
            groups.append(
                {
                    "calibration_purchases": str(purchases)
                    + ("+" if purchases == _TOP_GROUP else ""),
                    "customers": int(members.sum()),
                    "actual_mean": round(float(actual[members].mean()), 4),
                    "predicted_mean": _finite(float(predicted[members].mean()), 4),
                }
            )
    total_actual, total_predicted = float(actual.sum()), float(predicted.sum())
    return {
        "start": end.isoformat(),
        "end": now.isoformat(),
        "length": round(length, 4),
        "unit": definition.time_unit,
        "customers": len(calibration.profile_ids),
        "actual_total": int(total_actual),
        "predicted_total": _finite(total_predicted, 2),
        "actual_mean": round(total_actual / len(actual), 4),
        "predicted_mean": _finite(total_predicted / len(actual), 4),
        "relative_error": _finite((total_predicted - total_actual) / total_actual, 4)
        if total_actual
        else None,
        "by_calibration_purchases": groups,
    }


def _forecast(
    model: Model, definition: ClvDefinition, customers: Customers
) -> tuple[Floats, Floats, Floats]:
    """CLV (NaN without spend), p_alive and expected purchases over the horizon."""
    bgf, _ = model.fitters()
    f, r, t = customers.frequency, customers.recency, customers.T
    horizon = parse_duration(definition.horizon).total_seconds() / 86400 / _UNIT_DAYS[model.unit]
    p_alive = np.asarray(bgf.conditional_probability_alive(f, r, t), dtype=np.float64)
    expected = np.asarray(
        bgf.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t),
        dtype=np.float64,
    )
    spend = _expected_spend(model, customers)
    if definition.discount_rate == 0:
        return spend * expected, p_alive, expected
    steps = max(1, min(_MAX_STEPS, math.ceil(horizon)))
    value = np.zeros(len(f), dtype=np.float64)
    before = np.zeros(len(f), dtype=np.float64)
    for k in range(1, steps + 1):
        until = horizon * k / steps
        upto = np.asarray(
            bgf.conditional_expected_number_of_purchases_up_to_time(until, f, r, t),
            dtype=np.float64,
        )
        value += spend * (upto - before) / (1 + definition.discount_rate) ** until
        before = upto
    return value, p_alive, expected


def _expected_spend(model: Model, customers: Customers) -> Floats:
    """Gamma-Gamma's expected spend per purchase, else the customer's own mean, else the
    workspace's; NaN without any revenue."""
    own = np.where(np.isnan(customers.spend), model.mean_spend or np.nan, customers.spend)
    _, ggf = model.fitters()
    if ggf is None:
        return np.asarray(own, dtype=np.float64)
    expected = np.asarray(
        ggf.conditional_expected_average_profit(customers.frequency, customers.monetary),
        dtype=np.float64,
    )
    # Gamma-Gamma reads repeat spend only: without a repeat it gives the population mean.
    return np.where(np.isnan(customers.spend) & (customers.frequency == 0), np.nan, expected)


def _population_spend(model: Model) -> float | None:
    if model.gamma_gamma is None:
        return model.mean_spend
    p, q, v = (model.gamma_gamma[n] for n in ("p", "q", "v"))
    return p * v / (q - 1) if q > 1 else model.mean_spend


def _deciles(values: Floats) -> list[int | None]:
    """1..10 by value, 1 the highest tenth; None without a value."""
    known = ~np.isnan(values)
    if not known.any():
        return [None] * len(values)
    ranks = pd.Series(values[known]).rank(method="first", ascending=False, pct=True).to_numpy()
    tenths = iter(np.minimum(10, np.ceil(ranks * 10)).astype(int).tolist())
    return [next(tenths) if k else None for k in known]


def _feature(name: str, description: str) -> dict[str, Any]:
    # The model's inputs are fixed by BG/NBD and Gamma-Gamma: no importance to rank.
    return {"name": name, "type": "numeric", "importance": None, "description": description}


def _difference(value: float, baseline: float) -> float:
    return 0.0 if math.isnan(value) or math.isnan(baseline) else value - baseline


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _finite(value: float, digits: int) -> float | None:
    """None where a degenerate fit's expectation overflowed (NaN or infinite): JSON has
    no such number, and the console says the holdout could not be predicted."""
    return round(value, digits) if math.isfinite(value) else None
