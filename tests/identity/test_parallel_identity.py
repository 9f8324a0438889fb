"""Several identity processors at once on PostgreSQL: the same messages give the same
profiles whether one processor resolved them or three did concurrently, and processors
whose merges cross each other neither deadlock nor fail."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from baton.core.clock import ManualClock
from baton.identity.locks import bucket_of
from baton.identity.normalize import ANONYMOUS_ID, USER_ID
from baton.identity.processor import process_pending
from baton.ingest import parse_message, store_messages
from baton.storage.database import connect, write_transaction
from baton.storage.tables import events, journey_inbox
from baton.timeline.listeners import Consumer, listen
from baton.workspaces import create_workspace
from tests.conftest import process_all
from tests.identity.helpers import outcome

postgresql_only = pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)


def random_messages(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Few people, devices and e-mails, so that components join and profiles merge."""
    messages = []
    for i in range(count):
        kind = rng.choice(["identify", "track", "track", "page", "alias"])
        raw: dict[str, Any] = {
            "type": kind,
            "messageId": f"m{i:04d}",
            "timestamp": f"2026-02-01T10:{rng.randrange(60):02d}:00Z",
        }
        user = rng.choice([None, None, *(f"u{n}" for n in range(12))])
        if user is not None or kind == "alias":
            raw["userId"] = user or f"u{rng.randrange(12)}"
        if user is None or rng.random() < 0.5:
            raw["anonymousId"] = f"d{rng.randrange(30)}"
        if kind == "alias":
            raw["previousId"] = rng.choice([f"u{rng.randrange(12)}", f"d{rng.randrange(30)}"])
        traits: dict[str, Any] = {}
        if rng.random() < 0.4:
            traits["email"] = f"p{rng.randrange(15)}@example.com"
        if rng.random() < 0.5:
            traits["color"] = rng.choice(["red", "green", "blue"])
        if kind == "identify":
            raw["traits"] = traits
        elif traits:
            raw["context"] = {"traits": traits}
        if kind == "track":
            raw["event"] = "Clicked"
        messages.append(raw)
    return messages


def store(engine: Engine, clock: ManualClock, messages: Sequence[dict[str, Any]]) -> str:
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "parallel", clock)
    parsed = [parse_message(m, received_at=clock.now(), ip=None, size=0) for m in messages]
    store_messages(engine, workspace_id, parsed)
    return workspace_id


def process_concurrently(engine: Engine, clock: ManualClock, batch_sizes: Sequence[int]) -> None:
    """One thread per batch size, each processing until nothing is pending; a thread's
    failure fails the test."""
    start = threading.Barrier(len(batch_sizes))
    failures: list[BaseException] = []

    def work(batch_size: int) -> None:
        try:
            start.wait()
            while process_pending(engine, clock, "US", batch_size) or pending(engine):
                pass
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(size,)) for size in batch_sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a processor hangs"
    assert not failures, failures


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(events.c.profile_id.is_(None))
        return int(connection.execute(query).scalar_one())


def failed(engine: Engine, workspace_id: str) -> list[str]:
    with engine.connect() as connection:
        query = select(events.c.error).where(
            events.c.workspace_id == workspace_id, events.c.error.is_not(None)
        )
        return list(connection.execute(query).scalars())


@postgresql_only
@pytest.mark.parametrize("seed", range(4))
def test_three_processors_make_the_profiles_one_makes(
    own_database: str, clock: ManualClock, seed: int
) -> None:
    engine = connect(own_database)
    try:
        messages = random_messages(random.Random(seed), 400)
        alone = store(engine, clock, messages)
        process_all(engine, clock, batch_size=50)
        together = store(engine, clock, messages)
        process_concurrently(engine, clock, [7, 13, 29])
        assert failed(engine, together) == []
        assert outcome(engine, together) == outcome(engine, alone)
    finally:
        engine.dispose()


@postgresql_only
def test_crossing_merges_neither_deadlock_nor_fail(own_database: str, clock: ManualClock) -> None:
    """Each person shows up on two devices, one with an e-mail; then messages join one
    person's device to the next one's e-mail around a shuffled ring, so that concurrent
    batches merge the same components from opposite ends."""
    people = 60
    messages: list[dict[str, Any]] = []
    for n in range(people):
        messages.append({"type": "page", "anonymousId": f"b{n}"})
        messages.append(
            {"type": "identify", "anonymousId": f"a{n}", "traits": {"email": f"p{n}@example.com"}}
        )
    ring = list(range(people))
    random.Random(7).shuffle(ring)
    for left, right in zip(ring, ring[1:] + ring[:1], strict=True):
        messages.append(
            {"type": "track", "event": "Joined", "anonymousId": f"a{left}",
             "context": {"traits": {"email": f"p{right}@example.com"}}}
        )  # fmt: skip
        messages.append(
            {"type": "identify", "anonymousId": f"b{right}",
             "traits": {"email": f"p{right}@example.com"}}
        )  # fmt: skip
    messages = [
        {**m, "messageId": f"m{i:04d}", "timestamp": f"2026-02-01T10:{i % 60:02d}:00Z"}
        for i, m in enumerate(messages)
    ]
    engine = connect(own_database)
    try:
        alone = store(engine, clock, messages)
        process_all(engine, clock, batch_size=1000)
        together = store(engine, clock, messages)
        process_concurrently(engine, clock, [3, 4, 5, 6])
        assert failed(engine, together) == []
        # The ring joins everyone into one anonymous person.
        assert len(result := outcome(engine, together)) == 1
        assert result == outcome(engine, alone)
    finally:
        engine.dispose()


def lock_waits(engine: Engine) -> int:
    """Backends of this database waiting for a row lock."""
    with engine.connect() as connection:
        query = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(connection.execute(query).scalar_one())


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@postgresql_only
def test_a_persons_events_reach_journeys_in_order(own_database: str, clock: ManualClock) -> None:
    """Processor A claims P's `Product Added` and is held (on the lock of an identifier only
    its event names); processor B claims P's later `Order Completed`. B may not commit
    before A, or journeys would read the order before the cart."""
    engine = connect(own_database)
    try:
        with write_transaction(engine) as connection:
            workspace_id = create_workspace(connection, "ordered", clock)
            names = ["Product Added", "Order Completed"]
            listen(connection, workspace_id, Consumer.JOURNEYS, names, False, clock.now())
        # A takes its buckets in increasing order: it waits on the device's first, so it
        # holds nothing B needs while it is held.
        user = bucket_of(("identifier", workspace_id, USER_ID, "p"))
        device = next(
            d for n in range(1000)
            if bucket_of(("identifier", workspace_id, ANONYMOUS_ID, d := f"d{n}")) < user
        )  # fmt: skip
        messages = [
            {"type": "track", "event": "Product Added", "userId": "p", "anonymousId": device},
            {"type": "track", "event": "Order Completed", "userId": "p"},
        ]
        parsed = [
            parse_message(
                {**m, "messageId": f"m{i}", "timestamp": "2026-02-01T10:00:00Z"},
                received_at=clock.now(), ip=None, size=0,
            )
            for i, m in enumerate(messages)
        ]  # fmt: skip
        store_messages(engine, workspace_id, parsed)

        holder = engine.connect()
        held = holder.begin()
        holder.execute(
            text("SELECT bucket FROM identity_locks WHERE bucket = :b FOR UPDATE"),
            {"b": bucket_of(("identifier", workspace_id, ANONYMOUS_ID, device))},
        )
        a = threading.Thread(target=process_pending, args=(engine, clock, "US", 1))
        a.start()
        until(lambda: lock_waits(engine) == 1)
        b = threading.Thread(target=process_pending, args=(engine, clock, "US", 100))
        b.start()
        until(lambda: lock_waits(engine) == 2 or not b.is_alive())
        assert b.is_alive(), "B committed P's later event while A held the earlier one"
        held.rollback()
        holder.close()
        a.join(timeout=30)
        b.join(timeout=30)
        assert not a.is_alive()
        assert not b.is_alive()

        with engine.connect() as connection:
            inbox = connection.execute(
                select(journey_inbox.c.message_id).order_by(journey_inbox.c.seq)
            ).scalars()
            assert list(inbox) == ["m0", "m1"]
        assert pending(engine) == 0
    finally:
        engine.dispose()
