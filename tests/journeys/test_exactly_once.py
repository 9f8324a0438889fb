"""Exactly once: concurrent workers never take the same step twice, and kill -9 of real
worker processes mid-run loses nothing and sends nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, func, select

from baton.channels.outbox import dispatch_due
from baton.core.clock import ManualClock, SystemClock
from baton.ingest import parse_message, store_messages
from baton.journeys.runner import fire_timers, process_inbox
from baton.storage.database import connect, write_transaction
from baton.storage.tables import journey_instances, journey_steps, messages
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.journeys.helpers import instances_of, messages_of, publish
from tests.segments.helpers import settle, track

DRIP = {
    "key": "drip",
    "name": "Drip",
    "trigger": {"event": "Go"},
    "start": "first_wait",
    "nodes": {
        "first_wait": {"type": "delay", "duration": "1h", "next": "first"},
        "first": {"type": "message", "channel": "email", "template": "one", "next": "second_wait"},
        "second_wait": {"type": "delay", "duration": "1h", "next": "second"},
        "second": {"type": "message", "channel": "email", "template": "two", "next": "end"},
        "end": {"type": "exit"},
    },
}


def _race(
    engine: Engine, clock: ManualClock, step: Callable[[Engine, ManualClock], int]
) -> list[BaseException]:
    """Four threads run `step` until none finds work; returns what they raised."""
    failures: list[BaseException] = []

    def work() -> None:
        try:
            while step(engine, clock):
                pass
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _small_batches(engine: Engine, clock: ManualClock) -> int:
    return (
        process_inbox(engine, clock, batch_size=7)
        + fire_timers(engine, clock, batch_size=7)
        + dispatch_due(engine, clock, batch_size=7)
    )


def test_concurrent_workers_never_take_a_step_twice(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, DRIP)
    send(engine, clock, workspace.id, *(track(f"race-{n}", "Go", clock.now()) for n in range(150)))
    settle(engine, clock)
    assert _race(engine, clock, _small_batches) == []
    for _ in range(2):
        clock.advance(timedelta(hours=1))
        assert _race(engine, clock, _small_batches) == []
    instances = instances_of(engine, journey)
    assert len(instances) == 150
    assert {i["outcome"] for i in instances} == {"completed"}
    sent = messages_of(engine, journey)
    assert Counter(m["instance_id"] for m in sent) == {i["id"]: 2 for i in instances}
    assert {m["status"] for m in sent} == {"delivered"}
    with engine.connect() as connection:
        steps = connection.execute(
            select(journey_steps.c.instance_id, func.count())
            .where(journey_steps.c.instance_id.in_([i["id"] for i in instances]))
            .group_by(journey_steps.c.instance_id)
        ).all()
    # delay, timer, resumed, message, delay, timer, resumed, message, exit, ended
    assert {count for _, count in steps} == {10}


# --- kill -9 ------------------------------------------------------------------------------

CHECKOUT = {
    "key": "checkout",
    "name": "Checkout reminder",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed"},
    "start": "wait",
    "nodes": {
        "wait": {
            "type": "wait_for_event",
            "event": "Order Completed",
            "timeout": "2s",
            "next": "end",
            "timeout_next": "remind",
        },
        "remind": {"type": "message", "channel": "email", "template": "remind", "next": "pause"},
        "pause": {"type": "delay", "duration": "1s", "next": "again"},
        "again": {"type": "message", "channel": "sms", "template": "again", "next": "end"},
        "end": {"type": "exit"},
    },
}


def _worker(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "baton", "worker"],
        env={**os.environ, "BATON_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_kill_9_mid_run_loses_nothing_and_sends_nothing_twice(own_database: str) -> None:
    engine = connect(own_database)
    clock = SystemClock()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "crash", clock)
        create_key(connection, workspace_id, KeyKind.WRITE, clock.now())
    journey = publish(engine, clock, workspace_id, CHECKOUT)
    customers = [f"c{n}" for n in range(300)]
    buyers = set(customers[::3])
    batch = []
    for customer in customers:
        batch.append(track(customer, "Product Added", clock.now()))
        if customer in buyers:
            batch.append(track(customer, "Order Completed", clock.now()))
    store_messages(
        engine,
        workspace_id,
        [parse_message(m, received_at=clock.now(), ip=None, size=100) for m in batch],
    )

    worker = _worker(own_database)
    time.sleep(0.8)
    _kill(worker)
    workers = [_worker(own_database), _worker(own_database)]  # two at once after the crash
    time.sleep(1.8)
    for worker in workers:
        _kill(worker)
    workers = [_worker(own_database), _worker(own_database)]
    try:
        deadline = time.monotonic() + 90
        while True:
            with engine.connect() as connection:
                live = connection.execute(
                    select(func.count()).where(
                        journey_instances.c.journey_id == journey.id,
                        journey_instances.c.ended_at.is_(None),
                    )
                ).scalar_one()
                pending = connection.execute(
                    select(func.count()).where(messages.c.status == "pending")
                ).scalar_one()
                started = connection.execute(
                    select(func.count()).where(journey_instances.c.journey_id == journey.id)
                ).scalar_one()
            if started == len(customers) and live == 0 and pending == 0:
                break
            assert time.monotonic() < deadline, f"{started} started, {live} live, {pending} pending"
            time.sleep(0.2)
    finally:
        for worker in workers:
            _kill(worker)

    instances = instances_of(engine, journey)
    assert len(instances) == len(customers)  # one per customer: none lost, none doubled
    sent = messages_of(engine, journey)
    assert {m["status"] for m in sent} == {"delivered"}
    by_profile = Counter((m["profile_id"], m["template"]) for m in sent)
    assert set(by_profile.values()) == {1}
    outcome = {i["profile_id"]: i["outcome"] for i in instances}
    assert Counter(outcome.values()) == {
        "goal": len(buyers),
        "completed": len(customers) - len(buyers),
    }
    reminded = {profile_id for profile_id, _ in by_profile}
    assert reminded == {p for p, o in outcome.items() if o == "completed"}
    assert len(sent) == 2 * (len(customers) - len(buyers))
    engine.dispose()
