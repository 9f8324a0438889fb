"""Recommendations on both databases, from events sent through the ingestion path: on a
seeded simulation with planted co-purchase groups the model beats popularity on
held-out interactions; people with no history get the popular items; the filters keep
out what is out of stock, bought or outside the catalogue; the model is no pickle."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.identity import find_profile
from baton.predict.catalog import CatalogItem, save_items
from baton.predict.definitions import RecommendationsDefinition, parse_prediction
from baton.predict.kinds import Score, Trained
from baton.predict.recommendations import Recommendations, items_at
from baton.storage.database import write_transaction
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.segments.helpers import identify, track

KIND = Recommendations()
GROUPS = 12
GROUP_SIZE = 5
ITEMS = [f"p{n:02}" for n in range(GROUPS * GROUP_SIZE)]


def definition(**given: Any) -> RecommendationsDefinition:
    found = parse_prediction({"key": "recs", "kind": "recommendations", **given})
    assert isinstance(found, RecommendationsDefinition)
    return found


def bought(user: str, at: datetime, *items: str) -> dict[str, Any]:
    products = [{"product_id": item, "quantity": 1} for item in items]
    return track(user, "Order Completed", at, {"products": products})


def viewed(user: str, at: datetime, item: str) -> dict[str, Any]:
    return track(user, "Product Viewed", at, {"product_id": item, "name": f"Item {item}"})


def planted(rng: random.Random, people: int, start: datetime) -> Iterator[dict[str, Any]]:
    """Each person likes two of the groups of five items, and buys or views four to seven
    items of them, plus two drawn by popularity alone (a long tail), in random order."""
    groups = [ITEMS[g * GROUP_SIZE : (g + 1) * GROUP_SIZE] for g in range(GROUPS)]
    popularity = [1 / (rank + 1) for rank in range(len(ITEMS))]
    for person in range(people):
        user = f"u{person:03}"
        liked = [item for g in rng.sample(range(GROUPS), 2) for item in groups[g]]
        chosen = rng.sample(liked, rng.randint(4, 7)) + rng.choices(ITEMS, popularity, k=2)
        rng.shuffle(chosen)
        for step, item in enumerate(dict.fromkeys(chosen)):
            at = start + timedelta(hours=person, minutes=step)
            yield bought(user, at, item) if rng.random() < 0.5 else viewed(user, at, item)


def train(
    engine: Engine, workspace_id: str, found: RecommendationsDefinition, now: datetime
) -> Trained:
    shares: list[float] = []
    with engine.connect() as connection:
        trained = KIND.train(connection, workspace_id, found, now, shares.append)
    assert shares == sorted(shares)
    assert 0 < shares[-1] <= 1
    return trained


def scores(engine: Engine, workspace_id: str, found: RecommendationsDefinition, model: bytes,
           now: datetime) -> dict[str, Score]:  # fmt: skip
    with engine.connect() as connection:
        return {s.profile_id: s for s in KIND.score(connection, workspace_id, found, model, now)}


def profile_id(engine: Engine, workspace_id: str, user: str) -> str:
    with engine.connect() as connection:
        found: str = find_profile(connection, workspace_id, user, "US")["id"]
    return found


def test_the_model_beats_popularity_on_planted_co_purchases(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    start = clock.now() - timedelta(days=30)
    send(engine, clock, workspace.id, *planted(random.Random(7), 300, start))
    trained = train(engine, workspace.id, definition(count=5), clock.now())
    metrics = trained.metrics
    print("recommendations metrics:", metrics)  # the figures docs/predictions.md quotes
    assert metrics["evaluated_people"] == 300
    baseline = metrics["popularity"]
    assert metrics["precision_at_k"] > 1.5 * baseline["precision_at_k"]
    assert metrics["recall_at_k"] > 1.5 * baseline["recall_at_k"]
    assert metrics["beats_popularity"] is True
    assert (metrics["k"], metrics["people"], metrics["items"]) == (5, 300, 60)
    assert trained.window_start is not None
    assert trained.window_start >= start
    # Trained again on the same data, the same model: the seed is fixed.
    again = train(engine, workspace.id, definition(count=5), clock.now())
    assert again.metrics == metrics
    # The stored model is NumPy's own format, which loads without pickle, and holds nothing
    # of any person.
    with np.load(io.BytesIO(trained.model), allow_pickle=False) as stored:
        assert stored["item_factors"].shape[0] == 60
        assert sorted(stored.files) == ["item_factors", "items", "popularity"]
    # Someone who bought from one group is recommended the rest of it first.
    send(engine, clock, workspace.id, bought("newcomer", clock.now(), "p00", "p01", "p02"))
    found = scores(engine, workspace.id, definition(count=5), trained.model, clock.now())
    newcomer = found[profile_id(engine, workspace.id, "newcomer")]
    assert newcomer.detail["source"] == "model"
    assert set(newcomer.detail["items"][:2]) == {"p03", "p04"}
    assert newcomer.value is not None
    assert newcomer.value > 0


def test_people_without_history_get_the_popular_items_and_filters_hold(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    at = clock.now() - timedelta(days=2)
    # a, b and c go together; x is everyone's; d and e go together; z is nobody's.
    history = [
        *(bought(f"pair{n}", at + timedelta(minutes=n), "a", "b", "c", "x") for n in range(8)),
        *(bought(f"duo{n}", at + timedelta(minutes=n), "d", "e", "x") for n in range(4)),
        identify("nobody", at, email="nobody@example.com"),
        bought("buyer", at, "a"),
        viewed("viewer", at, "a"),
        viewed("viewer", at, "d"),
        track("viewer", "Product Viewed", at, {"product_id": 7}),  # a number is an id too
        track("viewer", "Product Viewed", at, {"product_id": {"no": "id"}}),
    ]
    send(engine, clock, workspace.id, *history)
    found = definition(count=3)
    trained = train(engine, workspace.id, found, clock.now())
    people = {u: profile_id(engine, workspace.id, u) for u in ("nobody", "buyer", "viewer")}

    # No catalogue: every item may be chosen.
    first = scores(engine, workspace.id, found, trained.model, clock.now())
    assert first[people["nobody"]] == Score(
        people["nobody"], None, detail={"items": ["x", "a", "b"], "source": "popularity"}
    )
    buyer = first[people["buyer"]]
    assert buyer.detail["source"] == "model"
    assert set(buyer.detail["items"]) == {"b", "c", "x"}
    assert "a" not in first[people["viewer"]].detail["items"]

    # A catalogue without z nor c, with b out of stock.
    with write_transaction(engine) as connection:
        catalogue = [(i, CatalogItem(name=f"Item {i}", in_stock=i != "b")) for i in "adex7"]
        save_items(
            connection,
            workspace.id,
            [*catalogue, ("b", CatalogItem(name="B", in_stock=False))],
            clock.now(),
        )
    filtered = scores(engine, workspace.id, found, trained.model, clock.now())
    assert filtered[people["nobody"]].detail["items"] == ["x", "a", "d"]
    for score in filtered.values():
        assert not {"b", "c", "z"} & set(score.detail["items"]), score
    # The buyer bought a: never recommended, even though people like them chose it.
    assert "a" not in filtered[people["buyer"]].detail["items"]
    # Stock does not matter when the definition says so; purchases neither.
    loose = definition(count=3, filters={"in_stock": False, "not_bought": False})
    assert (
        "b"
        in scores(engine, workspace.id, loose, trained.model, clock.now())[people["buyer"]].detail[
            "items"
        ]
    )

    # Someone who bought a after training is no longer recommended it.
    send(engine, clock, workspace.id, bought("nobody", clock.now(), "a"))
    later = scores(engine, workspace.id, found, trained.model, clock.now())
    assert "a" not in later[people["nobody"]].detail["items"]

    send(engine, clock, workspace.id, identify("stranger", clock.now(), plan="free"))
    with engine.connect() as connection:
        why = {
            user: KIND.explain(connection, workspace.id, found, trained.model,
                               profile_id(engine, workspace.id, user), clock.now())
            for user in ("viewer", "stranger")
        }  # fmt: skip
    ((reason,),) = [why["viewer"]]
    assert reason.text.startswith("viewed Item ")
    assert "; people who did also chose Item " in reason.text
    assert reason.feature == filtered[people["viewer"]].detail["items"][0]
    assert [r.text for r in why["stranger"]] == ["popular with everyone: no history yet"]


def test_too_little_to_learn_from_is_an_error_that_says_so(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send(engine, clock, workspace.id, bought("lonely", clock.now() - timedelta(hours=1), "a"))
    with pytest.raises(InvalidInput, match="too few interactions"):
        train(engine, workspace.id, definition(), clock.now())


@pytest.mark.parametrize(
    ("properties", "path", "expected"),
    [
        ({"product_id": "sku-1"}, "product_id", ["sku-1"]),
        ({"product_id": 42}, "product_id", ["42"]),
        ({"product_id": True}, "product_id", []),
        ({"product_id": " "}, "product_id", []),
        ({"product_id": "x" * 201}, "product_id", []),
        ({"item": {"id": "i"}}, "item.id", ["i"]),
        (
            {"products": [{"product_id": "a"}, {"sku": "b"}, "c", {"product_id": "d"}]},
            "products[].product_id",
            ["a", "d"],
        ),
        ({"products": {"product_id": "a"}}, "products[].product_id", []),
    ],
)
def test_items_are_read_from_a_property_or_each_object_of_a_list(
    properties: dict[str, Any], path: str, expected: list[str]
) -> None:
    assert items_at(properties, path) == expected
