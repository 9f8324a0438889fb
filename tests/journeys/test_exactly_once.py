"""Exactly once: concurrent workers never take the same step twice, and kill -9 of real
worker processes mid-run loses nothing and sends nothing twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, Select, func, select

from baton.channels.delivery import LEASE
from baton.channels.dispatch import dispatch_due
from baton.channels.settings import WebhookSettings, save_settings
from baton.core.clock import ManualClock, SystemClock
from baton.ingest import parse_message, store_messages
from baton.journeys.runner import fire_timers, process_inbox
from baton.storage.database import connect, write_transaction
from baton.storage.tables import events, journey_instances, journey_steps, messages
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.journeys.helpers import dispatch_all, instances_of, messages_of, publish, wait_for
from tests.segments.helpers import settle, track
from tests.servers import Answer, HttpServer, Request

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
        + dispatch_due(engine, clock, random.Random(0), batch_size=7)
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


def _checkout(url: str) -> dict[str, Any]:
    """A reminder to those who added a product and did not buy, and another two seconds
    later: two webhook calls that name the person and the step in their body."""

    def call(node: str, then: str) -> dict[str, Any]:
        body = {"profile": "{{ profile.id }}", "node": node}
        return {"type": "webhook", "url": url, "body": body, "next": then}

    return {
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
            "remind": call("remind", "pause"),
            "pause": {"type": "delay", "duration": "2s", "next": "again"},
            "again": call("again", "end"),
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


def _kill(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def _count(engine: Engine, query: Select[int]) -> int:
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def _sending(engine: Engine) -> set[str]:
    """The idempotency keys of the messages handed to the provider whose outcome is not
    recorded."""
    query = select(messages.c.idempotency_key).where(messages.c.status == "sending")
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())


def _store(engine: Engine, workspace_id: str, raw: list[dict[str, Any]]) -> None:
    received = SystemClock().now()
    store_messages(
        engine,
        workspace_id,
        [parse_message(m, received_at=received, ip=None, size=100) for m in raw],
    )


def test_kill_9_mid_run_loses_nothing_and_sends_nothing_twice(own_database: str) -> None:
    engine = connect(own_database)
    clock = SystemClock()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "crash", clock)
        create_key(connection, workspace_id, KeyKind.WRITE, clock.now())
        webhooks = WebhookSettings(allow=["127.0.0.1"], timeout="30s")
        save_settings(connection, workspace_id, "webhook", webhooks, clock.now())
    # The provider holds every call until the test lets it answer: a worker killed
    # meanwhile dies with its calls in flight.
    answer, lock = threading.Event(), threading.Lock()
    calls: list[tuple[str, str, str]] = []  # whom, which step, under which key

    def held(request: Request) -> Answer:
        # A call cut short by a kill never reached the provider whole: not a call.
        if request.body and len(request.body) == int(request.headers["Content-Length"]):
            body = orjson.loads(request.body)
            with lock:
                calls.append((body["profile"], body["node"], request.headers["Idempotency-Key"]))
        answer.wait(timeout=60)
        return 200, {"Content-Type": "application/json"}, b"{}"

    with HttpServer(held) as provider:
        journey = publish(engine, clock, workspace_id, _checkout(provider.url))
        worker = _worker(own_database)
        # The customers come once the worker runs, so their journeys' two seconds of
        # waiting start with it, however long it took to start.
        _store(engine, workspace_id, [track("early", "Hello", clock.now())])
        processed = select(func.count()).where(events.c.profile_id.is_not(None))
        wait_for(lambda: _count(engine, processed), "the worker to run")
        customers = [f"c{n}" for n in range(120)]
        buyers = set(customers[::3])
        _store(
            engine,
            workspace_id,
            [
                track(customer, event, clock.now())
                for customer in customers
                for event in ("Product Added", "Order Completed")
                if event == "Product Added" or customer in buyers
            ],
        )
        live = select(func.count()).where(
            journey_instances.c.journey_id == journey.id, journey_instances.c.ended_at.is_(None)
        )

        wait_for(lambda: calls, "the first call")
        _kill(worker)
        in_flight = _sending(engine)
        assert in_flight, "no message was being sent at the first kill"
        assert _count(engine, live) > 0, "no journey was under way at the first kill"

        workers = [_worker(own_database), _worker(own_database)]  # two at once after the crash
        wait_for(
            lambda: any(key not in in_flight for *_, key in calls), "a call by the second pair"
        )
        _kill(*workers)
        sending = _sending(engine)
        assert sending - in_flight, "no other message was being sent at the second kill"
        in_flight |= sending

        answer.set()
        workers = [_worker(own_database), _worker(own_database)]
        try:
            started = select(func.count()).where(journey_instances.c.journey_id == journey.id)
            pending = select(func.count()).where(messages.c.status == "pending")
            wait_for(
                lambda: (
                    _count(engine, started) == len(customers)
                    and _count(engine, live) == _count(engine, pending) == 0
                    and _sending(engine) <= in_flight
                ),
                "the journeys to finish",
                seconds=90,
            )
        finally:
            _kill(*workers)
        # The killed workers' calls are made again once their lease runs out.
        dispatch_all(engine, ManualClock(clock.now() + LEASE + timedelta(seconds=1)))

    instances = instances_of(engine, journey)
    assert len(instances) == len(customers)  # one per customer: none lost, none doubled
    outcome = {i["profile_id"]: i["outcome"] for i in instances}
    assert Counter(outcome.values()) == {
        "goal": len(buyers),
        "completed": len(customers) - len(buyers),
    }
    sent = messages_of(engine, journey)
    assert {m["status"] for m in sent} == {"delivered"}
    assert Counter((m["profile_id"], m["node"]) for m in sent) == {
        (profile_id, node): 1
        for profile_id, o in outcome.items()
        if o == "completed"
        for node in ("remind", "again")
    }
    # Every message reached the provider, each call under its message's key, and a
    # message was called more than once only if a kill caught it in flight.
    assert set(calls) == {(m["profile_id"], m["node"], m["idempotency_key"]) for m in sent}
    assert {key for (*_, key), n in Counter(calls).items() if n > 1} <= in_flight
    engine.dispose()
