"""Optimized splits: once every arm has enough profiles, new entries follow the results
(all to a declared winner, or in proportion to each arm's chance of being best), and
each reallocation is kept with its evidence."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from baton.analytics.journey_report import journey_report
from baton.core.clock import ManualClock
from baton.journeys.allocation import allocations_of, optimize_splits
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, publish, states_by_user
from tests.segments.helpers import track


def split_journey(key: str, **optimize: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": key,
        "trigger": {"event": f"{key} go"},
        "goal": {"event": "Order Completed"},
        "start": "split",
        "nodes": {
            "split": {
                "type": "split",
                "optimize": optimize,
                "arms": [
                    {"name": "A", "weight": 1, "next": "wait"},
                    {"name": "B", "weight": 1, "next": "wait"},
                ],
            },
            "wait": {"type": "wait_for_event", "event": "Order Completed", "timeout": "1d"},
        },
    }


def arms_by_user(engine: Engine, workspace_id: str, journey_id: str) -> dict[str, str]:
    states = states_by_user(engine, workspace_id, journey_id)
    return {user: state["arms"]["split"] for user, state in states.items()}


@pytest.mark.parametrize("method", ["winner", "thompson"])
def test_new_entries_follow_the_better_arm(
    engine: Engine, clock: ManualClock, workspace: Workspace, method: str
) -> None:
    key = f"opt-{method}"
    journey = publish(
        engine,
        clock,
        workspace.id,
        split_journey(key, method=method, min_profiles=30, probability=0.95),
    )
    first = [f"{method}-{i}" for i in range(200)]
    deliver(engine, clock, workspace.id, *(track(u, f"{key} go", clock.now()) for u in first))
    arms = arms_by_user(engine, workspace.id, journey.id)
    assert 60 < sum(arm == "A" for arm in arms.values()) < 140  # the even split so far
    # No conversion yet: nothing to declare; Thompson sampling keeps the arms even.
    assert optimize_splits(engine, clock.now()) == (1 if method == "thompson" else 0)

    # A converts half its profiles, B a tenth.
    buyers = [u for i, u in enumerate(first) if (arms[u] == "A" and i % 2) or i % 10 == 0]
    clock.advance(timedelta(hours=1))
    deliver(
        engine, clock, workspace.id, *(track(u, "Order Completed", clock.now()) for u in buyers)
    )
    assert optimize_splits(engine, clock.now()) == 1
    with engine.connect() as connection:
        weights = allocations_of(connection, journey.id)["split"]
    assert weights["A"] > 0.99
    assert weights["B"] < 0.01
    assert optimize_splits(engine, clock.now()) == 0  # nothing changed since

    later = [f"{method}-late-{i}" for i in range(40)]
    deliver(engine, clock, workspace.id, *(track(u, f"{key} go", clock.now()) for u in later))
    arms = arms_by_user(engine, workspace.id, journey.id)
    assert {arms[u] for u in later} == {"A"}  # every new entry goes to the winner
    with engine.connect() as connection:
        report = journey_report(
            connection,
            journey,
            start=clock.now() - timedelta(days=1),
            end=clock.now(),
            version=None,
            window=timedelta(days=7),
        )
    change = report["allocations"][-1]
    assert len(report["allocations"]) == (2 if method == "thompson" else 1)
    assert (change["node"], change["reason"]) == ("split", method)
    evidence = change["evidence"]
    assert evidence["A"]["conversions"] > evidence["B"]["conversions"]
    assert evidence["A"]["probability_to_be_best"] > 0.99
