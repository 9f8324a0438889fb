"""Exactly once to a real provider (a webhook receiver on 127.0.0.1), on both databases:
every message reaches it at least once, every repeat carries the message's idempotency
key, and a repeat happens only when a dispatcher died inside the send window (after its
lease was committed, before its outcome was). Crashes are real: `baton worker --stage
delivery` exits hard at a named fault point (baton/core/faults.py)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import orjson
from sqlalchemy import Engine, select

from baton.channels.delivery import LEASE
from baton.channels.dispatch import dispatch_due
from baton.channels.outbox import NewMessage, enqueue
from baton.channels.settings import WebhookSettings, save_settings
from baton.core.clock import Clock, ManualClock, SystemClock
from baton.core.faults import FAULT_EXIT_STATUS
from baton.storage.database import connect, write_transaction
from baton.storage.tables import messages
from baton.workspaces import create_workspace
from tests.journeys.helpers import dispatch_all, publish, wait_for
from tests.servers import Answer, HttpServer, Request

MESSAGES = 5


def _queue(
    engine: Engine, clock: Clock, url: str, name: str, count: int = MESSAGES
) -> tuple[str, dict[int, str]]:
    """A workspace whose webhook messages 0..count-1 (each naming itself in its body)
    are due now: the workspace's id, and each message's idempotency key."""
    now = clock.now()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "exactly-once", clock)
        save_settings(
            connection, workspace_id, "webhook", WebhookSettings(allow=["127.0.0.1"]), now
        )
    # A journey of the workspace: the delivery stage looks for messages once one exists.
    journey = publish(
        engine,
        clock,
        workspace_id,
        {
            "key": "call",
            "name": "Call",
            "trigger": {"event": "Go"},
            "start": "call",
            "nodes": {"call": {"type": "webhook", "url": url}},
        },
    )
    keys = {n: f"{name}-{n}" for n in range(count)}
    with write_transaction(engine) as connection:
        enqueue(
            connection,
            [
                NewMessage(
                    workspace_id,
                    f"profile-{n}",
                    journey.id,
                    journey.version,
                    None,
                    "call",
                    "webhook",
                    None,
                    None,
                    key,
                    {"url": url, "body": {"n": n}},
                    transactional=True,
                )
                for n, key in keys.items()
            ],
            now,
        )
    return workspace_id, keys


def _calls(provider: HttpServer) -> list[tuple[int, str]]:
    """Each call the provider received: the message it names, and its idempotency key."""
    return [
        (orjson.loads(request.body)["n"], request.headers["Idempotency-Key"])
        for request in provider.requests
    ]


def _statuses(engine: Engine, workspace_id: str) -> Counter[str]:
    query = select(messages.c.status).where(messages.c.workspace_id == workspace_id)
    with engine.connect() as connection:
        return Counter(connection.execute(query).scalars())


def _answer(_request: Request) -> Answer:
    return 200, {"Content-Type": "application/json"}, b"{}"


# Where the dispatcher dies; what it leaves; the calls of each message made before the
# crash, and in all once a clean dispatcher has finished.
CRASHES = [
    # Holding the lease, before any call: the clean dispatcher makes the only call.
    ("dispatch.leased", "sending", 0, 1),
    # After the provider answered, the outcome unrecorded: the one repeat.
    ("dispatch.answered", "sending", 1, 2),
    # After recording: nothing is left to send.
    ("dispatch.recorded", "delivered", 1, 1),
]


def test_a_crash_repeats_a_call_only_inside_the_send_window(own_database: str) -> None:
    engine = connect(own_database)
    for point, left, calls_at_crash, calls_in_all in CRASHES:
        with HttpServer(_answer) as provider:
            workspace_id, keys = _queue(engine, SystemClock(), provider.url, point)
            worker = subprocess.Popen(
                [sys.executable, "-m", "baton", "worker", "--stage", "delivery"],
                env={**os.environ, "BATON_DATABASE_URL": own_database, "BATON_FAULT": point},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                assert worker.wait(timeout=30) == FAULT_EXIT_STATUS, point
            finally:
                worker.kill()
            provider.settle()
            assert _statuses(engine, workspace_id) == {left: MESSAGES}, point
            assert Counter(_calls(provider)) == Counter(
                {(n, key): calls_at_crash for n, key in keys.items() if calls_at_crash}
            ), point
            # A clean dispatcher, once the dead one's lease has run out.
            dispatch_all(engine, ManualClock(SystemClock().now() + LEASE + timedelta(seconds=1)))
            # At least once, and every call of a message under the message's own key.
            assert Counter(_calls(provider)) == {
                (n, key): calls_in_all for n, key in keys.items()
            }, point
        assert _statuses(engine, workspace_id) == {"delivered": MESSAGES}, point
    engine.dispose()


def test_two_dispatchers_never_call_a_slow_provider_twice(own_database: str) -> None:
    engine = connect(own_database)
    clock = ManualClock(SystemClock().now())
    answer, lock = threading.Event(), threading.Lock()
    seen: set[str] = set()

    def slow(request: Request) -> Answer:
        """The first call of each message waits for `answer`; a repeat is answered at once."""
        key = request.headers["Idempotency-Key"]
        with lock:
            first = key not in seen
            seen.add(key)
        if first:
            answer.wait(timeout=30)
        return _answer(request)

    with HttpServer(slow) as provider:
        workspace_id, keys = _queue(engine, clock, provider.url, "race")
        first = threading.Thread(target=dispatch_due, args=(engine, clock, random.Random(1)))
        first.start()
        try:
            wait_for(lambda: len(provider.requests) == MESSAGES, "the first dispatcher's calls")
            # Every message is now with the slow provider: a second dispatcher comes by.
            claimed = dispatch_due(engine, clock, random.Random(2))
        finally:
            answer.set()
            first.join()
        assert Counter(_calls(provider)) == {(n, key): 1 for n, key in keys.items()}
    assert claimed == 0
    assert _statuses(engine, workspace_id) == {"delivered": MESSAGES}
    engine.dispose()


def test_a_crash_in_a_large_batch_repeats_only_the_calls_not_yet_recorded(
    own_database: str,
) -> None:
    """Outcomes are recorded as answers come, a few dozen at a time: a dispatcher dying
    at its first record repeats those and the calls in flight, not its whole batch."""
    engine = connect(own_database)
    count = 200
    with HttpServer(_answer) as provider:
        workspace_id, keys = _queue(engine, SystemClock(), provider.url, "large", count)
        worker = subprocess.Popen(
            [sys.executable, "-m", "baton", "worker", "--stage", "delivery"],
            env={
                **os.environ,
                "BATON_DATABASE_URL": own_database,
                "BATON_FAULT": "dispatch.answered",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert worker.wait(timeout=30) == FAULT_EXIT_STATUS
        finally:
            worker.kill()
        provider.settle()
        # A call the dying process was still writing arrives without its body: not a call.
        at_crash = len([request for request in provider.requests if request.body])
        # The first record's 32 answers and what the 16 sending threads had under way
        # (on a loaded machine they run on a while before the process exits): never
        # the whole batch, which recording once at its end would repeat.
        assert 32 <= at_crash < count
        dispatch_all(engine, ManualClock(SystemClock().now() + LEASE + timedelta(seconds=1)))
        provider.requests = [request for request in provider.requests if request.body]
        calls = Counter(_calls(provider))
        assert set(calls) == {(n, key) for n, key in keys.items()}
        assert sum(calls.values()) == count + at_crash
    assert _statuses(engine, workspace_id) == {"delivered": count}
    engine.dispose()
