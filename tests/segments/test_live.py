"""Membership that follows events and the passing of time, with its enter/exit events."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from baton.core.clock import ManualClock
from baton.segments import evaluate_due
from baton.segments.definitions import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.segments.store import Kind
from baton.storage.database import write_transaction
from baton.storage.tables import events, profiles
from baton.timeline import mark_due
from tests.conftest import Workspace
from tests.identity.helpers import profile, send
from tests.segments.helpers import (
    computed_of,
    define,
    deliver,
    identify,
    members,
    settle,
    timeline,
    track,
)
from tests.segments.test_definitions import CART_ABANDONER

SEGMENT_EVENTS = (SEGMENT_ENTERED, SEGMENT_EXITED)


def test_cart_abandoner_who_came_back(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    segment = define(engine, clock, ws, Kind.SEGMENT, CART_ABANDONER)
    start = clock.now()
    deliver(engine, clock, ws, track("ann", "Product Added", start, {"sku": "tent"}))
    deliver(engine, clock, ws, track("ann", "Page Viewed", start))
    assert members(engine, ws, segment) == set()  # one visit is not "came back"
    clock.advance(timedelta(hours=2))
    deliver(engine, clock, ws, track("ann", "Page Viewed", clock.now()))
    assert members(engine, ws, segment) == {"ann"}
    # She buys: out at once.
    deliver(engine, clock, ws, track("ann", "Order Completed", clock.now()))
    assert members(engine, ws, segment) == set()
    # A new cart brings her back in; a day later the cart is too old and she leaves.
    clock.advance(timedelta(hours=1))
    added = clock.now()
    deliver(engine, clock, ws, track("ann", "Product Added", added))
    assert members(engine, ws, segment) == {"ann"}
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    settle(engine, clock)
    assert members(engine, ws, segment) == {"ann"}
    clock.advance(timedelta(seconds=1))
    settle(engine, clock)
    assert members(engine, ws, segment) == set()
    assert timeline(engine, ws, SEGMENT_EVENTS) == [
        ("ann", SEGMENT_ENTERED, segment.key),
        ("ann", SEGMENT_EXITED, segment.key),
        ("ann", SEGMENT_ENTERED, segment.key),
        ("ann", SEGMENT_EXITED, segment.key),
    ]
    exited_at = _segment_event_times(engine, ws, SEGMENT_EXITED)[-1]
    assert exited_at == added + timedelta(days=1)


def test_no_purchase_in_30_days_enters_exactly_30_days_after_the_last(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    at_risk = define(
        engine,
        clock,
        ws,
        Kind.SEGMENT,
        {
            "key": "at-risk",
            "name": "At risk",
            "condition": {
                "all": [
                    {"event": "Order Completed"},
                    {
                        "event": "Order Completed",
                        "count": {"exactly": 0},
                        "window": {"last": "30d"},
                    },
                ]
            },
        },
    )
    bought = clock.now()
    deliver(engine, clock, ws, track("bob", "Order Completed", bought, {"revenue": 20}))
    clock.advance(timedelta(days=30) - timedelta(milliseconds=1))
    settle(engine, clock)
    assert members(engine, ws, at_risk) == set()
    clock.advance(timedelta(milliseconds=1))
    settle(engine, clock)
    assert members(engine, ws, at_risk) == {"bob"}
    assert _segment_event_times(engine, ws, SEGMENT_ENTERED) == [bought + timedelta(days=30)]


def test_a_late_evaluation_replays_every_boundary_it_missed(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """The evaluator ran nowhere for two days: the profile entered and left meanwhile,
    and both changes are recorded at the instants they happened."""
    ws = workspace.id
    recently = define(
        engine,
        clock,
        ws,
        Kind.SEGMENT,
        {
            "key": "lapsed-then-back",
            "name": "No visit for 6 hours",
            "condition": {
                "all": [
                    {"event": "Visit"},
                    {"event": "Visit", "count": {"exactly": 0}, "window": {"last": "6h"}},
                    {"event": "Visit", "count": {"at_least": 1}, "window": {"last": "12h"}},
                ]
            },
        },
    )
    visited = clock.now()
    deliver(engine, clock, ws, track("cy", "Visit", visited))
    clock.advance(timedelta(days=2))
    settle(engine, clock)
    assert members(engine, ws, recently) == set()
    assert _segment_event_times(engine, ws, SEGMENT_ENTERED) == [visited + timedelta(hours=6)]
    assert _segment_event_times(engine, ws, SEGMENT_EXITED) == [visited + timedelta(hours=12)]


def test_computed_traits_follow_events_and_windows(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    specs: dict[str, dict[str, Any]] = {
        "revenue_90d": {"kind": "sum", "property": "revenue", "window": {"last": "90d"}},
        "orders": {"kind": "count"},
        "avg_order": {"kind": "avg", "property": "revenue"},
        "biggest": {"kind": "max", "property": "revenue"},
        "first_city": {"kind": "first", "property": "address.city"},
        "last_city": {"kind": "last", "property": "address.city"},
        "usual_city": {"kind": "most_frequent", "property": "address.city"},
        "cities": {"kind": "distinct_count", "property": "address.city"},
    }
    for key, spec in specs.items():
        body = {"key": key, "name": key, "event": "Order Completed", **spec}
        define(engine, clock, ws, Kind.COMPUTED_TRAIT, body)
    vip = define(
        engine,
        clock,
        ws,
        Kind.SEGMENT,
        {
            "key": "vip",
            "name": "VIP",
            "condition": {"computed": "revenue_90d", "op": "gt", "value": 500},
        },
    )
    start = clock.now()
    for revenue, city, day in ((300, "Oslo", 0), (250, "Bergen", 10), (100, "Oslo", 20)):
        order = {"revenue": revenue, "address": {"city": city}}
        deliver(
            engine, clock, ws, track("dee", "Order Completed", start + timedelta(days=day), order)
        )
    assert computed_of(engine, ws)["dee"] == {
        "revenue_90d": 650.0,
        "orders": 3,
        "avg_order": 650.0 / 3,
        "biggest": 300.0,
        "first_city": "Oslo",
        "last_city": "Oslo",
        "usual_city": "Oslo",
        "cities": 2,
    }
    assert members(engine, ws, vip) == {"dee"}
    clock.advance(timedelta(days=90, seconds=1))
    settle(engine, clock)
    assert computed_of(engine, ws)["dee"]["revenue_90d"] == 350.0
    assert members(engine, ws, vip) == set()
    shown = profile(engine, ws, "dee")
    assert shown["computed"]["orders"] == 3
    assert shown["computed"]["last_seen_at"] is not None
    assert shown["segments"] == []


def test_a_merge_moves_membership_to_the_surviving_profile(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    browsers = define(
        engine,
        clock,
        ws,
        Kind.SEGMENT,
        {"key": "browsers", "name": "Browsers", "condition": {"event": "Product Viewed"}},
    )
    now = clock.now()
    anonymous = {"type": "track", "anonymousId": "anon-7", "event": "Product Viewed"}
    deliver(engine, clock, ws, {**anonymous, "timestamp": now.isoformat()})
    with engine.connect() as connection:
        before = connection.execute(
            select(func.count()).where(
                events.c.workspace_id == ws, events.c.event == SEGMENT_ENTERED
            )
        ).scalar_one()
    assert before == 1
    deliver(
        engine,
        clock,
        ws,
        {**identify("eve", now), "anonymousId": "anon-7"},
    )
    survivor = profile(engine, ws, "eve")
    assert [s["key"] for s in survivor["segments"]] == [browsers.key]
    # She was in the segment already as a visitor: no second entry for the same person.
    assert timeline(engine, ws, SEGMENT_EVENTS) == [("eve", SEGMENT_ENTERED, browsers.key)]
    with engine.connect() as connection:
        live = connection.execute(
            select(func.count()).where(
                profiles.c.workspace_id == ws, profiles.c.merged_into.is_(None)
            )
        ).scalar_one()
    assert live == 1
    assert members(engine, ws, browsers) == {"eve"}


def test_concurrent_evaluators_record_each_change_once(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    define(
        engine, clock, ws, Kind.SEGMENT, {"key": "all", "name": "All", "condition": {"event": "Hi"}}
    )
    now = clock.now()
    users = [f"user-{i}" for i in range(60)]
    send(engine, clock, ws, *(track(user, "Hi", now) for user in users))  # identity only
    with write_transaction(engine) as connection:
        ids = (
            connection.execute(select(profiles.c.id).where(profiles.c.workspace_id == ws))
            .scalars()
            .all()
        )
        # Marked again and again, as a busy stream of events would.
        for _ in range(3):
            mark_due(connection, ws, ((profile_id, now) for profile_id in ids))

    def evaluate() -> None:
        while evaluate_due(engine, clock, batch_size=7):
            pass

    threads = [threading.Thread(target=evaluate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entered = timeline(engine, ws, (SEGMENT_ENTERED,))
    assert sorted(user for user, _, _ in entered) == sorted(users)


def _segment_event_times(engine: Engine, workspace_id: str, name: str) -> list[object]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(events.c.timestamp)
                .where(events.c.workspace_id == workspace_id, events.c.event == name)
                .order_by(events.c.seq)
            ).scalars()
        )


def test_windowed_reads_load_every_event_the_window_still_sees(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """When every read of an event name is windowed, evaluation loads only the events
    the widest window can still see, and none fewer."""
    ws = workspace.id
    regulars = define(
        engine,
        clock,
        ws,
        Kind.SEGMENT,
        {
            "key": "regulars",
            "name": "Two visits in three days",
            "condition": {"event": "Visit", "count": {"at_least": 2}, "window": {"last": "3d"}},
        },
    )
    now = clock.now()
    deliver(engine, clock, ws, track("flo", "Visit", now - timedelta(days=4)))
    deliver(engine, clock, ws, track("flo", "Visit", now - timedelta(days=2, hours=12)))
    assert members(engine, ws, regulars) == set()
    deliver(engine, clock, ws, track("flo", "Visit", now))
    assert members(engine, ws, regulars) == {"flo"}
    clock.advance(timedelta(days=1))
    settle(engine, clock)
    assert members(engine, ws, regulars) == set()
