"""The live stats count, per node, the instances that reached the goal there: as a
backtest counts them, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.journeys.reports import journey_stats
from baton.journeys.simulation import backtest
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, publish, run
from tests.segments.helpers import track

# The goal does not end the instance: buyers go on, and may buy again.
CART: dict[str, Any] = {
    "key": "cart",
    "name": "Cart",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed", "exit": False},
    "start": "first",
    "nodes": {
        "first": {"type": "delay", "duration": "1h", "next": "email"},
        "email": {"type": "message", "channel": "email", "template": "cart", "next": "later"},
        "later": {"type": "delay", "duration": "1d", "next": "done"},
        "done": {"type": "exit"},
    },
}
# Another journey on the same events, whose goals must not count for the first.
OTHER: dict[str, Any] = {
    "key": "other",
    "name": "Other",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed"},
    "start": "first",
    "nodes": {"first": {"type": "delay", "duration": "3d"}},
}


def test_the_live_stats_count_goals_per_node_as_a_backtest_does(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, CART)
    publish(engine, clock, workspace.id, OTHER)
    start = clock.now()

    def buy(*who: str) -> None:
        deliver(
            engine, clock, workspace.id, *(track(w, "Order Completed", clock.now()) for w in who)
        )

    deliver(
        engine, clock, workspace.id, *(track(f"c{n}", "Product Added", start) for n in range(6))
    )
    clock.advance(timedelta(minutes=30))
    buy("c0", "c4")  # at "first"
    clock.advance(timedelta(hours=1))
    run(engine, clock)  # everyone moved on: the e-mail, then "later"
    buy("c1", "c2", "c4")  # at "later"; c4's goal was already reached
    clock.advance(timedelta(days=1))
    run(engine, clock)  # all ended at "done"
    buy("c5")  # too late: c5's instance ended, c3 never buys
    clock.advance(timedelta(days=3))
    run(engine, clock)

    with engine.connect() as connection:
        live = journey_stats(connection, journey)
        replayed = backtest(connection, workspace.id, journey, 1, start, clock.now())
    assert live["goals"]["reached"] == 4
    assert {node: counts["goals"] for node, counts in live["nodes"].items()} == {
        "first": 2,
        "email": 0,
        "later": 2,
        "done": 0,
    }
    assert live["nodes"]["first"] == {"entered": 6, "waiting": 0, "exited": 0, "goals": 2}
    assert live["nodes"]["done"] == {"entered": 6, "waiting": 0, "exited": 6, "goals": 0}
    assert {node: counts["goals"] for node, counts in replayed["nodes"].items()} == {
        node: counts["goals"] for node, counts in live["nodes"].items()
    }


def test_the_live_stats_of_a_journey_nobody_entered_have_no_nodes(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, CART)
    with engine.connect() as connection:
        live = journey_stats(connection, journey)
    assert live["nodes"] == {}
    assert live["goals"] == {"reached": 0, "rate": 0.0, "mean_seconds_to_goal": None}
