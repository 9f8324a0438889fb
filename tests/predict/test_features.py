"""The feature matrix: types inferred from CSV-like text, identifiers and constants left out,
the model's own outputs never fed back, events counted only before the instant, and a spec
that rebuilds the same columns from its JSON."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import orjson
import pytest
from sqlalchemy import Engine, update

from baton.core.clock import ManualClock
from baton.predict.definitions import Features
from baton.predict.features import (
    FeatureSpec,
    describe,
    frequent_events,
    infer_spec,
    load_profiles,
    matrix,
)
from baton.storage.database import write_transaction
from baton.storage.tables import profiles
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.predict.test_classification import _profiles_by_user
from tests.segments.helpers import identify, track


def _people(count: int, at: Any) -> list[dict[str, Any]]:
    messages = []
    for n in range(count):
        traits: dict[str, Any] = {
            "age": str(20 + n % 40),
            "vip": "1" if n % 3 == 0 else "0",
            "active": n % 2 == 0,
            "PaperlessBilling": "Yes" if n % 4 else "no",
            # 40 plans, a few people each: the 30 most frequent are kept, the rest "other".
            "plan": f"plan {n % 40:02d}" if n < 80 else "plan 00",
            "customer_code": f"X-{n:05d}",
            "country": "HU",
            "email": f"p{n}@example.com",
            "note": "",
            "Churn": "Yes" if n % 5 == 0 else "No",
        }
        messages.append(identify(f"p{n}", at, **traits))
    return messages


def test_types_are_inferred_from_text_and_events_count_only_before_the_instant(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = clock.now()
    start = now - timedelta(days=300)
    send(engine, clock, workspace.id, *_people(120, start))
    orders = [now - timedelta(days=d) for d in (10, 50, 200)] + [now + timedelta(hours=1)]
    send(
        engine,
        clock,
        workspace.id,
        *[track("p0", "Order Completed", at) for at in orders],
        *[track(f"p{n}", "Page Viewed", now - timedelta(days=n + 1)) for n in range(1, 120)],
        track("p1", "Page Viewed", now),  # at the instant: not before it, not counted
    )
    users = _profiles_by_user(engine, workspace.id)
    with write_transaction(engine) as connection:
        connection.execute(
            update(profiles)
            .where(profiles.c.id == users["p0"])
            .values(computed={"predicted.churn": 0.9, "lifetime_orders": 3})
        )

    with engine.connect() as connection:
        population = load_profiles(connection, workspace.id)
        assert frequent_events(connection, workspace.id, now) == [
            "Page Viewed",
            "Order Completed",
        ]
        spec = infer_spec(
            connection,
            workspace.id,
            Features(exclude=["Churn"]),
            population,
            now,
        )
        values = matrix(connection, workspace.id, spec, population, now)

    by_name = {f.name: f for f in spec.features}
    assert by_name["age"].type == "numeric"
    assert by_name["age"].inferred.startswith("numeric from text like '")
    assert by_name["vip"].type == "boolean"
    assert by_name["vip"].inferred in ("boolean from '0'/'1'", "boolean from '1'/'0'")
    assert (by_name["active"].type, by_name["active"].inferred) == ("boolean", "boolean")
    assert by_name["PaperlessBilling"].type == "boolean"
    plan = by_name["plan"]
    assert plan.type == "categorical"
    assert len(plan.levels) == 30
    assert plan.levels[0] == "plan 00"  # the most frequent first
    assert "the rest 'other'" in plan.inferred
    assert by_name["lifetime_orders"].source == "computed"
    assert "Churn" not in by_name
    assert not any(name.startswith("predicted.") for name in by_name)
    dropped = {d["name"]: d["reason"] for d in spec.dropped}
    assert set(dropped) == {"customer_code", "country", "email", "note"}
    assert dropped["country"] == "the same for everyone ('HU')"
    assert dropped["note"] == "never set"

    row = {pid: i for i, pid in enumerate(population.ids)}
    column = {f.name: i for i, f in enumerate(spec.features)}
    first, second = row[users["p0"]], row[users["p1"]]
    assert values[first, column["Order Completed: times in the last 30 days"]] == 1
    assert values[first, column["Order Completed: times in the last 90 days"]] == 2
    assert values[first, column["Order Completed: times ever"]] == 3
    assert values[first, column["days since last Order Completed"]] == pytest.approx(10)
    assert values[second, column["Order Completed: times ever"]] == 0
    assert math.isnan(values[second, column["days since last Order Completed"]])
    assert values[second, column["Page Viewed: times ever"]] == 1  # the one at `now` is not
    assert values[second, column["days since last Page Viewed"]] == pytest.approx(2)
    assert values[first, column["vip"]] == 1.0
    assert values[first, column["plan"]] == 0.0
    assert values[row[users["p95"]], column["plan"]] == 0.0
    assert values[row[users["p79"]], column["plan"]] == 30.0  # a rare plan: "other"
    assert math.isnan(values[second, column["lifetime_orders"]])

    # Scoring rebuilds exactly these columns from the JSON kept with the model.
    again = FeatureSpec.from_json(orjson.loads(orjson.dumps(spec.to_json())))
    assert again == spec
    with engine.connect() as connection:
        rebuilt = matrix(connection, workspace.id, again, population, now)
    assert np.array_equal(values, rebuilt, equal_nan=True)

    words = {f.name: describe(f, float(values[first, i])) for i, f in enumerate(spec.features)}
    assert words["days since last Order Completed"] == "no Order Completed in 10 days"
    assert words["Order Completed: times in the last 90 days"] == (
        "Order Completed twice in the last 90 days"
    )
    assert words["Order Completed: times in the last 30 days"] == (
        "Order Completed once in the last 30 days"
    )
    assert words["PaperlessBilling"] == "paperless billing: no"
    assert words["plan"] == "plan: plan 00"
    assert words["age"] == "age: 20"
    never = describe(by_name["days since last Order Completed"], math.nan)
    assert never == "never did Order Completed"
