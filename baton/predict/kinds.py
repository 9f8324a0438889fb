"""What every kind of prediction does, in one shape: train a model from the workspace's
data, score profiles with it and explain one profile's score.

The orchestration (baton/predict/training.py, scoring.py) stores what `train` returns as a
version, feeds `model` back to `score` and `explain`, and writes the scores: `value` as the
computed trait `predicted.<key>`, `decile` as `predicted.<key>_decile`, every entry of
`traits` as `predicted.<key>_<name>`, and `detail` beside them for the API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

# Called with the share of training done, 0..1, now and then.
Progress = Callable[[float], None]


@dataclass(frozen=True)
class Trained:
    """A trained model and everything its model card says about it."""

    # The model in its library's own format (never a pickle): it is stored in the database.
    model: bytes
    # Kind-specific: auc, pr_auc, calibration, lift, baseline... or params and holdout.
    metrics: dict[str, Any]
    # One entry per input: {"name", "type", "importance", "inferred": "from 'Yes'/'No'"...}
    features: list[dict[str, Any]]
    window_start: datetime | None
    window_end: datetime
    # Intended use and known limits, added to the model card by the orchestration.
    intended_use: str
    limits: list[str]


@dataclass(frozen=True)
class Score:
    profile_id: str
    value: float | None
    decile: int | None = None
    # Further computed traits: {"p_alive": 0.8} becomes `predicted.<key>_p_alive`.
    traits: dict[str, Any] = field(default_factory=dict)
    # Kept for the API and templates, not mirrored (recommended item ids, a language...).
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """One cause of a profile's score, in plain words ("no order in 74 days")."""

    text: str
    feature: str
    # Its push on the score: positive raises it.
    effect: float


class Kind(Protocol):
    def train(
        self,
        connection: Connection,
        workspace_id: str,
        definition: Any,
        now: datetime,
        progress: Progress,
    ) -> Trained: ...

    def score(
        self,
        connection: Connection,
        workspace_id: str,
        definition: Any,
        model: bytes,
        now: datetime,
    ) -> Iterator[Score]: ...

    def explain(
        self,
        connection: Connection,
        workspace_id: str,
        definition: Any,
        model: bytes,
        profile_id: str,
        now: datetime,
    ) -> list[Reason]: ...
