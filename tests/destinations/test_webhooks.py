"""Webhook destinations on both databases against a real local server: what they forward
(events, segment entries and exits, trait changes), signed per Standard Webhooks, in
batches, retried with backoff, dead-lettered and replayed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from standardwebhooks import Webhook

from baton.core.clock import ManualClock
from baton.destinations import DEAD, DELIVERED, deliveries, replay
from baton.destinations.deliveries import backoff
from baton.identity import compact_erased, erase_profile
from baton.segments.store import Kind
from baton.storage.database import connect, write_transaction
from baton.storage.tables import destination_deliveries, destination_items, destination_snapshots
from tests.destinations.helpers import OK, configure, destination, items_of, near_now, new_workspace
from tests.identity.helpers import profile, send
from tests.identity.test_erasure import database_bytes
from tests.journeys.helpers import run
from tests.segments.helpers import define, identify, track
from tests.servers import HttpServer, Request

PRO = {"key": "pro", "name": "Pro", "condition": {"trait": "plan", "op": "equals", "value": "pro"}}


@pytest.fixture
def engine(own_database: str) -> Iterator[Engine]:
    engine = connect(own_database)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return near_now()


def test_events_segment_changes_and_trait_changes_arrive_signed_in_batches(
    engine: Engine, clock: ManualClock
) -> None:
    workspace_id = new_workspace(engine, clock)
    with HttpServer(lambda _: OK) as server:
        configure(
            engine, clock, workspace_id, "hook", url=f"{server.url}/in",
            events=["Order Placed"], segments=["pro"], traits=["plan"],
            batch_size=2, batch_wait="10s",
        )  # fmt: skip
        define(engine, clock, workspace_id, Kind.SEGMENT, PRO)
        now = clock.now()
        send(
            engine, clock, workspace_id, identify("ann", now, plan="pro"),
            track("ann", "Order Placed", now, {"total": 12}), track("ann", "Ignored", now),
        )  # fmt: skip
        run(engine, clock)
        (first,) = server.requests  # a full batch goes at once
        assert len(items_of(first)) == 2
        clock.advance(timedelta(seconds=9))
        run(engine, clock)
        assert len(server.requests) == 1  # the rest waits for its batch
        clock.advance(timedelta(seconds=1))
        run(engine, clock)
        first, second = server.requests
        secret = destination(engine, workspace_id, "hook").settings.secret
        receiver = Webhook(secret)
        for request in (first, second):
            assert request.path == "/in"
            assert receiver.verify(request.body, request.headers)["destination"] == "hook"
        assert first.headers["webhook-id"] != second.headers["webhook-id"]
        items = items_of(first) + items_of(second)
        by_type = {item["type"]: item for item in items}
        assert sorted(by_type) == ["event", "segment.entered", "traits.changed"]
        assert by_type["event"]["event"] == "Order Placed"
        assert by_type["event"]["properties"] == {"total": 12}
        assert by_type["segment.entered"]["segment"] == "pro"
        assert by_type["traits.changed"]["changes"] == {"plan": {"from": None, "to": "pro"}}
        # An identify that changes nothing watched sends nothing; a change sends the
        # change, and leaving the segment its exit.
        send(engine, clock, workspace_id, identify("ann", clock.now(), plan="pro", age=3))
        run(engine, clock)
        clock.advance(timedelta(seconds=10))
        run(engine, clock)
        assert len(server.requests) == 2
        send(engine, clock, workspace_id, identify("ann", clock.now(), plan="free"))
        run(engine, clock)
        clock.advance(timedelta(seconds=10))
        run(engine, clock)
        later = [item for request in server.requests[2:] for item in items_of(request)]
        assert sorted(item["type"] for item in later) == ["segment.exited", "traits.changed"]
        change = next(i for i in later if i["type"] == "traits.changed")
        assert change["changes"] == {"plan": {"from": "pro", "to": "free"}}


def test_failures_are_retried_with_backoff_then_dead_and_replayed_under_one_id(
    engine: Engine, clock: ManualClock
) -> None:
    workspace_id = new_workspace(engine, clock)
    answers = {"status": 503}

    def respond(_: Request) -> tuple[int, dict[str, str], bytes]:
        return answers["status"], {}, b"busy"

    with HttpServer(respond) as server:
        configure(
            engine, clock, workspace_id, "hook", url=server.url, events=["Go"],
            batch_size=1, max_attempts=3, timeout="2s",
        )  # fmt: skip
        send(engine, clock, workspace_id, track("bob", "Go", clock.now()))
        run(engine, clock)
        assert len(server.requests) == 1
        run(engine, clock)
        assert len(server.requests) == 1  # not before its backoff
        for _ in range(2):
            clock.advance(timedelta(hours=1))
            run(engine, clock)
        assert len(server.requests) == 3
        clock.advance(timedelta(hours=1))
        run(engine, clock)
        assert len(server.requests) == 3  # dead after the last attempt
        found = destination(engine, workspace_id, "hook")
        with engine.connect() as connection:
            (dead,) = deliveries(connection, found, DEAD, None, 10).items
        assert dead["attempts"] == 3
        assert "HTTP 503" in dead["last_error"]
        assert {r.headers["webhook-id"] for r in server.requests} == {dead["id"]}
        answers["status"] = 200
        with write_transaction(engine) as connection:
            assert replay(connection, found, None, clock.now()) == 1
        run(engine, clock)
        assert len(server.requests) == 4
        assert server.requests[-1].headers["webhook-id"] == dead["id"]
        with engine.connect() as connection:
            status = connection.execute(
                select(destination_deliveries.c.status).where(
                    destination_deliveries.c.id == dead["id"]
                )
            ).scalar_one()
        assert status == DELIVERED


def test_a_client_error_is_dead_at_once_and_nothing_is_sent_twice(
    engine: Engine, clock: ManualClock
) -> None:
    workspace_id = new_workspace(engine, clock)
    with HttpServer(lambda _: (400, {}, b"no")) as server:
        configure(engine, clock, workspace_id, "hook", url=server.url, events=["Go"], batch_size=5,
                  batch_wait="1s")  # fmt: skip
        send(engine, clock, workspace_id, *(track(f"u{i}", "Go", clock.now()) for i in range(12)))
        run(engine, clock)
        clock.advance(timedelta(seconds=1))
        run(engine, clock)
        clock.advance(timedelta(days=1))
        run(engine, clock)
        sizes = [len(items_of(r)) for r in server.requests]
        assert sizes == [5, 5, 2]
        ids = [item["id"] for r in server.requests for item in items_of(r)]
        assert len(set(ids)) == 12
        with engine.connect() as connection:
            page = deliveries(connection, destination(engine, workspace_id, "hook"), DEAD, None, 2)
            assert len(page.items) == 2
            assert page.after is not None
            rest = deliveries(
                connection, destination(engine, workspace_id, "hook"), DEAD, page.after, 2
            )
            assert len(rest.items) == 1
            assert rest.after is None


def test_backoff_doubles_with_jitter_from_the_seeded_source() -> None:
    waits = [backoff(n, random.Random(7)) for n in (1, 2, 3, 20)]
    assert timedelta(seconds=10) <= waits[0] <= timedelta(seconds=15)
    assert timedelta(seconds=20) <= waits[1] <= timedelta(seconds=30)
    assert timedelta(seconds=40) <= waits[2] <= timedelta(seconds=60)
    assert timedelta(hours=1) <= waits[3] <= timedelta(hours=1.5)
    assert waits == [backoff(n, random.Random(7)) for n in (1, 2, 3, 20)]


def test_erasure_takes_what_destinations_hold_about_the_person(
    engine: Engine, clock: ManualClock
) -> None:
    workspace_id = new_workspace(engine, clock)
    configure(engine, clock, workspace_id, "hook", url="http://127.0.0.1:9/in", traits=["email"],
              batch_wait="1h")  # fmt: skip
    send(engine, clock, workspace_id, identify("eve", clock.now(), email="eve@x.io"))
    run(engine, clock)

    def held() -> list[int]:
        with engine.connect() as connection:
            return [
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (destination_items, destination_snapshots)
            ]

    assert held() == [1, 1]
    with write_transaction(engine) as connection:
        erase_profile(connection, workspace_id, profile(engine, workspace_id, "eve")["id"],
                      suppress=False, now=clock.now(), default_region="US")  # fmt: skip
    assert held() == [0, 0]


def test_erasure_takes_the_person_out_of_deliveries_sent_dead_or_pending(
    engine: Engine, clock: ManualClock
) -> None:
    workspace_id = new_workspace(engine, clock)
    answers = {"status": 200}

    def respond(_: Request) -> tuple[int, dict[str, str], bytes]:
        return answers["status"], {}, b""

    def both(secret: str) -> None:
        now = clock.now()
        send(engine, clock, workspace_id, track("eve", "Go", now, {"note": f"eve-{secret}"}),
             track("ann", "Go", now, {"note": f"ann-{secret}"}))  # fmt: skip
        run(engine, clock)

    with HttpServer(respond) as server:
        configure(engine, clock, workspace_id, "hook", url=server.url, events=["Go"],
                  batch_size=2, max_attempts=3, timeout="2s")  # fmt: skip
        both("delivered")
        answers["status"] = 400
        both("dead")
        answers["status"] = 503
        send(engine, clock, workspace_id, track("eve", "Go", clock.now(), {"note": "eve-pending"}),
             track("eve", "Go", clock.now(), {"note": "eve-pending"}))  # fmt: skip
        run(engine, clock)
        assert len(server.requests) == 3
        eve = profile(engine, workspace_id, "eve")["id"]
        with write_transaction(engine) as connection:
            receipt = erase_profile(connection, workspace_id, eve, suppress=False,
                                    now=clock.now(), default_region="US")  # fmt: skip
        assert receipt["deleted"]["destination_deliveries"] == 4
        with engine.connect() as connection:
            left = connection.execute(
                select(destination_deliveries.c.status, destination_deliveries.c["items"])
            ).all()
        notes = sorted((status, item["properties"]["note"]) for status, items in left
                       for item in items)  # fmt: skip
        assert notes == [(DEAD, "ann-dead"), (DELIVERED, "ann-delivered")]
        answers["status"] = 200
        with write_transaction(engine) as connection:
            assert replay(connection, destination(engine, workspace_id, "hook"), None,
                          clock.now()) == 1  # fmt: skip
        clock.advance(timedelta(hours=2))
        run(engine, clock)
        replayed = [items_of(r) for r in server.requests[3:]]
        assert [[i["properties"]["note"] for i in items] for items in replayed] == [["ann-dead"]]
    compact_erased(engine, clock.now())
    stored = database_bytes(engine)
    assert b"ann-delivered" in stored
    assert [s for s in (b"eve-delivered", b"eve-dead", b"eve-pending") if s in stored] == []
