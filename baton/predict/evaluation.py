"""How well scores rank and match outcomes on held-out rows: AUC, PR-AUC, calibration and
lift by decile, in the JSON shape of a model card."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, roc_auc_score

BINS = 10


def ranking(truth: NDArray[np.int_], scores: NDArray[np.float64]) -> dict[str, float]:
    return {
        "auc": round(float(roc_auc_score(truth, scores)), 4),
        "pr_auc": round(float(average_precision_score(truth, scores)), 4),
    }


def calibration(truth: NDArray[np.int_], scores: NDArray[np.float64]) -> list[dict[str, Any]]:
    """Ten equal-width bins of predicted probability: the mean predicted against the rate
    observed in each (empty bins left out)."""
    bins = np.minimum((scores * BINS).astype(int), BINS - 1)
    out = []
    for b in range(BINS):
        inside = bins == b
        count = int(inside.sum())
        if count:
            out.append(
                {
                    "bin": f"{b / BINS:.1f}-{(b + 1) / BINS:.1f}",
                    "count": count,
                    "mean_predicted": round(float(scores[inside].mean()), 4),
                    "observed_rate": round(float(truth[inside].mean()), 4),
                }
            )
    return out


def deciles(scores: NDArray[np.float64]) -> NDArray[np.int_]:
    """1..10 by rank, 1 for the highest scores; equal-sized groups over the population."""
    n = len(scores)
    order = np.argsort(-scores, kind="stable")
    out = np.empty(n, dtype=np.int_)
    out[order] = np.arange(n) * BINS // max(n, 1) + 1
    return out


def lift(truth: NDArray[np.int_], scores: NDArray[np.float64]) -> list[dict[str, Any]]:
    """Per decile (1 = highest scores): its positive rate and that rate over the base rate."""
    base = float(truth.mean())
    groups = deciles(scores)
    out = []
    for decile in range(1, BINS + 1):
        inside = groups == decile
        count = int(inside.sum())
        if count:
            rate = float(truth[inside].mean())
            out.append(
                {
                    "decile": decile,
                    "count": count,
                    "rate": round(rate, 4),
                    "lift": round(rate / base, 3) if base else None,
                }
            )
    return out
