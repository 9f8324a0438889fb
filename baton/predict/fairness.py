"""How a prediction's scores differ across groups of a sensitive trait (gender, age band):
per group its size, mean score and share above a threshold, and the largest gap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

# Smaller groups are pooled: their rates say more about chance than about the model.
MIN_GROUP = 10
POOLED = "other (small groups)"
NOT_SET = "not set"


def fairness_report(
    scores: Mapping[str, float],
    groups: Mapping[str, Mapping[str, Any]],
    traits: Sequence[str],
    max_gap: float,
    *,
    threshold: float = 0.5,
    min_group: int = MIN_GROUP,
) -> dict[str, Any]:
    """`scores` by profile id; `groups` by profile id, each sensitive trait's value.

    A trait's gap is the largest difference between two groups' rates above `threshold`
    (demographic parity difference), or between their mean scores if larger; it is within
    bound when it does not exceed `max_gap`. Groups under `min_group` people are pooled.
    """
    ids = list(scores)
    report: dict[str, Any] = {}
    if not ids:
        # Nobody scored yet (no text to read, no buyer): nothing to compare.
        return {"threshold": threshold, "max_gap": max_gap, "min_group": min_group,
                "profiles": 0, "traits": report, "within_bound": True}  # fmt: skip
    values = np.array([scores[p] for p in ids], dtype=np.float64)
    # The outcome is unknown when scoring; fairlearn's selection rate only reads predictions.
    above = (values >= threshold).astype(np.int_)
    for trait in traits:
        raw = [_group(groups.get(p, {}).get(trait)) for p in ids]
        sizes = Counter(raw)
        small = sorted(g for g, n in sizes.items() if n < min_group)
        pooled = [POOLED if sizes[g] < min_group else g for g in raw]
        frame = MetricFrame(
            metrics={"mean_score": _mean, "rate_above": _above(threshold), "count": _count},
            y_true=above,
            y_pred=values,
            sensitive_features=pd.Series(pooled, name=trait),
        )
        by_group = frame.by_group
        rows = [
            {
                "group": str(group),
                "count": int(by_group.loc[group, "count"]),
                "mean_score": round(float(by_group.loc[group, "mean_score"]), 4),
                "rate_above": round(float(by_group.loc[group, "rate_above"]), 4),
                "pooled": group == POOLED,
            }
            for group in by_group.index
        ]
        compared = [r for r in rows if not r["pooled"]] or rows
        rate_gap = _spread([r["rate_above"] for r in compared])
        mean_gap = _spread([r["mean_score"] for r in compared])
        report[trait] = {
            "groups": sorted(rows, key=lambda r: (-r["count"], r["group"])),
            "rate_gap": round(rate_gap, 4),
            "mean_gap": round(mean_gap, 4),
            "largest_gap": round(max(rate_gap, mean_gap), 4),
            "within_bound": max(rate_gap, mean_gap) <= max_gap,
            "pooled_groups": small,
            "comparable": len([r for r in rows if not r["pooled"]]) >= 2,
        }
    return {
        "threshold": threshold,
        "max_gap": max_gap,
        "min_group": min_group,
        "profiles": len(ids),
        "traits": report,
        "within_bound": all(t["within_bound"] for t in report.values()),
    }


def _group(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _mean(y_true: Any, y_pred: Any) -> float:
    return float(np.mean(y_pred)) if len(y_pred) else 0.0


def _above(threshold: float) -> Callable[[Any, Any], float]:
    def rate(y_true: Any, y_pred: Any) -> float:
        return float(selection_rate(y_true, (np.asarray(y_pred) >= threshold).astype(np.int_)))

    return rate


def _count(y_true: Any, y_pred: Any) -> int:
    return len(y_true)


def _spread(values: list[float]) -> float:
    return float(max(values) - min(values)) if len(values) > 1 else 0.0
