"""Recommendations (`kind: recommendations`): implicit-feedback collaborative filtering.

Each person's interactions (purchases, cart additions, views: the definition's events,
each with a weight) add up into a sparse person-by-item matrix, factorised by `implicit`'s
alternating least squares. A person is recommended the items their factors score
highest, among those they have not met yet; a person with no history gets the most
popular items. Filters drop items out of stock, items the person bought, and items the
catalogue does not hold when it holds any.

Evaluation is on held-out interactions: the latest fifth (at least one) of the distinct
items of each person with two or more, by the time the person first met them; the model
trained on the rest is compared, by precision@k and recall@k, with recommending the most
popular items. The model served is then trained on everything.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from sqlalchemy import Connection, func, select
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from baton.core.batches import chunked
from baton.core.errors import InvalidInput
from baton.predict.catalog import Stock, items_by_id, stock
from baton.predict.definitions import RecommendationsDefinition
from baton.predict.kinds import Progress, Reason, Score, Trained
from baton.storage.tables import events, profiles

HOLDOUT_SHARE = 0.2
_SEED = 20_241
_ITERATIONS = 20
_REGULARIZATION = 0.05
_MOST_FACTORS = 32
_BATCH = 2_000
_ITEM_LENGTH = 200
# How a Segment e-commerce event reads in an explanation.
_VERBS = {"Order Completed": "bought", "Product Added": "added", "Product Viewed": "viewed"}
Floats = npt.NDArray[np.float32]


@dataclass
class Interactions:
    """What the events say: each person's weighted interactions by item, when they first
    met each item, and what they bought."""

    weights: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    first: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # The event with the most weight of each (person, item), for explanations.
    how: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    bought: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    earliest: datetime | None = None


def read_interactions(
    connection: Connection,
    workspace_id: str,
    definition: RecommendationsDefinition,
    now: datetime,
    profile_id: str | None = None,
) -> Interactions:
    """The interactions of the workspace's live profiles (or one's) up to `now`; events of
    a profile merged into another count as the survivor's."""
    paths: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for interaction in definition.interactions:
        paths[interaction.event].append((interaction.item, interaction.weight))
    filters = definition.filters
    bought_paths = [path for path, _ in paths.get(filters.bought_event, [])] or [
        "products[].product_id",
        "product_id",
    ]
    names = set(paths) | ({filters.bought_event} if filters.not_bought else set())
    owner = func.coalesce(profiles.c.merged_into, events.c.profile_id)
    query = (
        select(owner, events.c.event, events.c.properties, events.c.timestamp)
        .join(profiles, profiles.c.id == events.c.profile_id)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.type == "track",
            events.c.event.in_(sorted(names)),
            events.c.timestamp <= now,
        )
    )
    if profile_id is not None:
        merged = select(profiles.c.id).where(profiles.c.merged_into == profile_id)
        query = query.where(events.c.profile_id.in_(merged) | (events.c.profile_id == profile_id))
    found = Interactions()
    rows = connection.execute(query.execution_options(yield_per=10_000))
    for person, event, properties, at in rows:
        properties = properties if isinstance(properties, dict) else {}
        for path, weight in paths.get(event, ()):
            for item in items_at(properties, path):
                mine = found.weights[person]
                mine[item] = mine.get(item, 0.0) + weight
                key = (person, item)
                if key not in found.first or at < found.first[key]:
                    found.first[key] = at
                if weight > found.how.get(key, (0.0, ""))[0]:
                    found.how[key] = (weight, event)
                if found.earliest is None or at < found.earliest:
                    found.earliest = at
        if filters.not_bought and event == filters.bought_event:
            for path in bought_paths:
                found.bought[person].update(items_at(properties, path))
    return found


def items_at(properties: dict[str, Any], path: str) -> list[str]:
    """The item ids at a property path: `product_id`, `item.id`, or `products[].product_id`
    for each object of a list."""
    if "[]." in path:
        outer, inner = path.split("[].", 1)
        listed = _at(properties, outer)
        found = [_at(entry, inner) for entry in listed] if isinstance(listed, list) else []
    else:
        found = [_at(properties, path)]
    return [
        text
        for value in found
        if isinstance(value, str | int) and not isinstance(value, bool)
        and 0 < len(text := str(value).strip()) <= _ITEM_LENGTH and "\x00" not in text
    ]  # fmt: skip


def _at(document: Any, path: str) -> Any:
    for step in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(step)
    return document


@dataclass(frozen=True)
class Model:
    """A trained model as stored: the items' factors, their ids, and each item's weighted
    popularity. No person's factors: scoring works them out from the person's events as
    they are then, so a stored model holds nothing of anyone (an erasure leaves no trace
    in it)."""

    items: list[str]
    item_factors: Floats
    popularity: Floats

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            items=np.array(self.items, dtype=str),
            item_factors=self.item_factors,
            popularity=self.popularity,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            return cls(
                [str(item) for item in stored["items"]],
                stored["item_factors"].astype(np.float32),
                stored["popularity"].astype(np.float32),
            )

    def als(self) -> AlternatingLeastSquares:
        """The library's model around the stored item factors, to solve people's factors
        from their interactions as they are now."""
        model = _als(self.item_factors.shape[1])
        model.item_factors = self.item_factors
        return model


def _als(factors: int) -> AlternatingLeastSquares:
    # The library checks the BLAS threads as it is made: one, so it warns of none.
    with threadpool_limits(1, "blas"):
        return AlternatingLeastSquares(
            factors=factors,
            regularization=_REGULARIZATION,
            iterations=_ITERATIONS,
            random_state=_SEED,
            num_threads=1,
        )


def _factors(items: int) -> int:
    return max(2, min(_MOST_FACTORS, items // 4))


def _matrix(
    people: Sequence[str], index: dict[str, int], weights: dict[str, dict[str, float]]
) -> sp.csr_matrix:
    rows, columns, values = [], [], []
    for row, person in enumerate(people):
        for item, weight in weights.get(person, {}).items():
            column = index.get(item)
            if column is not None:
                rows.append(row)
                columns.append(column)
                values.append(weight)
    shape = (len(people), len(index))
    return sp.csr_matrix((np.array(values, dtype=np.float32), (rows, columns)), shape=shape)


def _fit(matrix: sp.csr_matrix, factors: int) -> AlternatingLeastSquares:
    model = _als(factors)
    with threadpool_limits(1, "blas"):
        model.fit(matrix, show_progress=False)
    return model


def _top(scores: Floats, count: int) -> list[int]:
    """The columns of the `count` highest finite scores, highest first."""
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size > count:
        finite = finite[np.argpartition(-scores[finite], count - 1)[:count]]
    return [int(i) for i in finite[np.argsort(-scores[finite], kind="stable")]]


class Recommendations:
    """The `Kind` of recommendations (baton/predict/kinds.py)."""

    def train(
        self,
        connection: Connection,
        workspace_id: str,
        definition: RecommendationsDefinition,
        now: datetime,
        progress: Progress,
    ) -> Trained:
        found = read_interactions(connection, workspace_id, definition, now)
        people = sorted(person for person, mine in found.weights.items() if mine)
        items = sorted({item for person in people for item in found.weights[person]})
        if len(people) < 2 or len(items) < 2:
            events_named = ", ".join(sorted({i.event for i in definition.interactions}))
            raise InvalidInput(
                f"too few interactions to learn from: {len(people)} people and {len(items)} "
                f"items in {events_named} events with an item"
            )
        progress(0.1)
        index = {item: column for column, item in enumerate(items)}
        factors = _factors(len(items))
        held = _held_out(found, people)
        training = {
            person: {
                i: w for i, w in found.weights[person].items() if i not in held.get(person, ())
            }
            for person in people
        }
        train_matrix = _matrix(people, index, training)
        evaluation = _evaluate(
            _fit(train_matrix, factors), train_matrix, people, index, held, definition.count
        )
        progress(0.6)
        matrix = _matrix(people, index, found.weights)
        model = _fit(matrix, factors)
        progress(0.95)
        stored = Model(
            items,
            np.asarray(model.item_factors, dtype=np.float32),
            np.asarray(matrix.sum(axis=0), dtype=np.float32).ravel(),
        )
        return Trained(
            model=stored.to_bytes(),
            metrics={
                **evaluation,
                "people": len(people),
                "items": len(items),
                "interactions": int(matrix.nnz),
                "model": {
                    "library": "implicit",
                    "algorithm": "alternating least squares",
                    "factors": factors,
                    "regularization": _REGULARIZATION,
                    "iterations": _ITERATIONS,
                },
            },
            features=[
                {
                    "name": interaction.event,
                    "type": "interaction",
                    "item": interaction.item,
                    "importance": interaction.weight,
                }
                for interaction in definition.interactions
            ],
            window_start=found.earliest,
            window_end=now,
            intended_use=(
                "Choosing products to show a person in messages (templates read "
                "`recommendations.<key>`): what people with similar histories chose."
            ),
            limits=[
                "People with no history, or only items unknown at training, get the most "
                "popular items.",
                "Items first seen after training are recommended only once it trains again.",
                "Items a person already interacted with are never recommended.",
            ],
        )

    def score(
        self,
        connection: Connection,
        workspace_id: str,
        definition: RecommendationsDefinition,
        model: bytes,
        now: datetime,
    ) -> Iterator[Score]:
        stored = Model.from_bytes(model)
        found = read_interactions(connection, workspace_id, definition, now)
        chooser = _Chooser(stored, stock(connection, workspace_id), definition)
        known = [p for p, mine in found.weights.items() if any(i in chooser.index for i in mine)]
        for batch in chunked(sorted(known), _BATCH):
            yield from chooser.for_people(batch, found)
        served = set(known)
        live = select(profiles.c.id).where(
            profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
        )
        for (person,) in connection.execute(live.execution_options(yield_per=10_000)):
            if person not in served:
                chosen = chooser.popular(found.weights.get(person, {}), found.bought.get(person))
                yield Score(person, None, detail={"items": chosen, "source": "popularity"})

    def explain(
        self,
        connection: Connection,
        workspace_id: str,
        definition: RecommendationsDefinition,
        model: bytes,
        profile_id: str,
        now: datetime,
    ) -> list[Reason]:
        stored = Model.from_bytes(model)
        found = read_interactions(connection, workspace_id, definition, now, profile_id)
        chooser = _Chooser(stored, stock(connection, workspace_id), definition)
        mine = found.weights.get(profile_id, {})
        if not any(item in chooser.index for item in mine):
            return [Reason("popular with everyone: no history yet", "popularity", 0.0)]
        (score,) = chooser.for_people([profile_id], found)
        chosen = score.detail["items"]
        if not chosen:
            return []
        row = _matrix([profile_id], chooser.index, found.weights)
        with threadpool_limits(1, "blas"):
            total, contributions, _ = chooser.als.explain(0, row, chooser.index[chosen[0]], N=2)
        because = [stored.items[column] for column, _ in contributions]
        names = items_by_id(connection, workspace_id, [chosen[0], *because])
        shown = [
            f"{_VERBS.get(found.how[profile_id, item][1], 'chose')} {_name(names, item)}"
            for item in because
        ]
        text = f"{' and '.join(shown)}; people who did also chose {_name(names, chosen[0])}"
        return [Reason(text, chosen[0], float(total))]


def _name(names: dict[str, Any], item: str) -> str:
    row = names.get(item)
    return str(row.name) if row is not None else item


class _Chooser:
    """Chooses each person's items: the model's best, then popular ones, among those the
    filters allow."""

    def __init__(self, model: Model, found: Stock, definition: RecommendationsDefinition) -> None:
        self.model = model
        self.count = definition.count
        self.not_bought = definition.filters.not_bought
        self.index = {item: column for column, item in enumerate(model.items)}
        allowed = np.ones(len(model.items), dtype=bool)
        if found.items:
            allowed &= np.array([item in found.items for item in model.items], dtype=bool)
        if definition.filters.in_stock and found.items:
            allowed &= np.array([item in found.in_stock for item in model.items], dtype=bool)
        self.allowed = allowed
        by_popularity = np.argsort(-model.popularity, kind="stable")
        self.ranked = [model.items[i] for i in by_popularity if allowed[i]]
        self.als = model.als()

    def popular(self, met: Iterable[str], bought: set[str] | None) -> list[str]:
        skip = set(met) | (bought or set()) if self.not_bought else set(met)
        return [item for item in self.ranked if item not in skip][: self.count]

    def for_people(self, people: Sequence[str], found: Interactions) -> list[Score]:
        matrix = _matrix(people, self.index, found.weights)
        with threadpool_limits(1, "blas"):
            factors = self.als.recalculate_user(np.arange(len(people)), matrix)
        scores = np.asarray(factors @ self.model.item_factors.T, dtype=np.float32)
        scores[:, ~self.allowed] = -np.inf
        chosen = []
        for row, person in enumerate(people):
            mine = scores[row]
            mine[matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]] = -np.inf
            bought = found.bought.get(person, set()) if self.not_bought else set()
            for item in bought:
                if item in self.index:
                    mine[self.index[item]] = -np.inf
            columns = _top(mine, self.count)
            items = [self.model.items[c] for c in columns]
            if len(items) < self.count:
                met = set(found.weights.get(person, {})) | set(items)
                items += self.popular(met, bought)[: self.count - len(items)]
            value = float(mine[columns[0]]) if columns else None
            chosen.append(Score(person, value, detail={"items": items, "source": "model"}))
        return chosen


def _held_out(found: Interactions, people: Sequence[str]) -> dict[str, set[str]]:
    """Each person's latest fifth (at least one) of their items, by when they first met
    them, for people with two items or more."""
    held = {}
    for person in people:
        mine = sorted(found.weights[person], key=lambda item: (found.first[person, item], item))
        if len(mine) >= 2:
            held[person] = set(mine[-max(1, round(len(mine) * HOLDOUT_SHARE)) :])
    return held


def _evaluate(
    model: AlternatingLeastSquares,
    matrix: sp.csr_matrix,
    people: Sequence[str],
    index: dict[str, int],
    held: dict[str, set[str]],
    k: int,
) -> dict[str, Any]:
    """precision@k and recall@k on the held-out items, of the model and of popularity,
    each recommending only items the person had not met in training."""
    popularity = np.asarray(matrix.sum(axis=0), dtype=np.float32).ravel()
    rows = [row for row, person in enumerate(people) if person in held]
    totals = np.zeros((2, 2))
    for batch in chunked(rows, _BATCH):
        block = matrix[list(batch)]
        scores = np.asarray(model.user_factors[list(batch)] @ model.item_factors.T)
        for offset, row in enumerate(batch):
            met = block.indices[block.indptr[offset] : block.indptr[offset + 1]]
            wanted = {index[item] for item in held[people[row]]}
            for which, ranking in enumerate((scores[offset].copy(), popularity.copy())):
                ranking[met] = -np.inf
                hits = len(wanted.intersection(_top(ranking, k)))
                totals[which] += (hits / k, hits / len(wanted))
    evaluated = len(rows)
    if not evaluated:
        return {"k": k, "evaluated_people": 0, "beats_popularity": False}
    (precision, recall), (baseline_precision, baseline_recall) = totals / evaluated
    return {
        "k": k,
        "evaluated_people": evaluated,
        "holdout": "the latest fifth of each person's items (at least one)",
        "precision_at_k": round(float(precision), 4),
        "recall_at_k": round(float(recall), 4),
        "popularity": {
            "precision_at_k": round(float(baseline_precision), 4),
            "recall_at_k": round(float(baseline_recall), 4),
        },
        "beats_popularity": bool(precision > baseline_precision),
    }
