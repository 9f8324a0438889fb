"""`baton worker --stage` and `baton serve --processor` as real processes on a database
of their own (SQLite and PostgreSQL): each does the work it was given, and only that."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, func, select

from baton.ingest import parse_message, store_messages
from baton.storage.database import connect
from baton.storage.tables import events, journey_instances
from baton.workspaces import default_workspace_id
from tests.api.test_tracking import basic
from tests.cli.conftest import Baton
from tests.conftest import process_all
from tests.journeys.helpers import publish
from tests.segments.helpers import track
from tests.servers import free_port

# How long a process may take to show what it did before the test gives up on it; not
# a measure of speed (tests pass as soon as the work is seen).
PATIENCE = 60.0


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert process.poll() is None, f"the process exited ({process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no sign of {what}"
        time.sleep(0.02)


def store(engine: Engine, baton: Baton, workspace_id: str, *raw: dict[str, Any]) -> None:
    """Store messages as ingestion does, leaving them for the identity stage."""
    at = baton.clock.now()
    parsed = [parse_message(m, received_at=at, ip=None, size=len(orjson.dumps(m))) for m in raw]
    store_messages(engine, workspace_id, parsed)


def resolved(engine: Engine, *message_ids: str) -> list[bool]:
    """Whether each event has become part of a profile."""
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                select(events.c.message_id, events.c.profile_id).where(
                    events.c.message_id.in_(message_ids)
                )
            ).all()
        )
    return [found.get(m) is not None for m in message_ids]


def stored(engine: Engine, *message_ids: str) -> bool:
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).where(events.c.message_id.in_(message_ids))
        ).scalar_one()
    return count == len(message_ids)


def test_a_worker_runs_its_stage_and_no_other(bootstrapped: Baton) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    clock = bootstrapped.clock
    send = {"type": "message", "channel": "email", "template": "hello"}
    definition = {"key": "hello", "name": "Hello", "trigger": {"event": "Go"}, "start": "send"}
    publish(engine, clock, workspace_id, {**definition, "nodes": {"send": send}})
    # Journey work waits from the start: an event resolved here, in the journey inbox.
    store(engine, bootstrapped, workspace_id, track("early", "Go", clock.now(), messageId="e1"))
    process_all(engine, clock)
    store(engine, bootstrapped, workspace_id, track("late", "Go", clock.now(), messageId="e2"))

    worker = subprocess.Popen(
        [sys.executable, "-m", "baton", "worker", "--stage", "identity"],
        env={**os.environ, **bootstrapped.env},
    )
    try:
        wait_for(lambda: resolved(engine, "e2") == [True], worker, "identity resolving e2")
        # A second round trip: by now any other stage has long had its turn.
        store(engine, bootstrapped, workspace_id, track("last", "Go", clock.now(), messageId="e3"))
        wait_for(lambda: resolved(engine, "e3") == [True], worker, "identity resolving e3")
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=PATIENCE)
    assert code == 0
    with engine.connect() as connection:
        entered = connection.execute(select(func.count()).select_from(journey_instances))
        assert entered.scalar_one() == 0  # the journeys stage never ran
    engine.dispose()


@contextmanager
def serving(baton: Baton, processor: str) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """`baton serve --processor PROCESSOR` on a free port: a client of it, and the
    process."""
    port = free_port()
    env = {**os.environ, **baton.env, "BATON_PORT": str(port), "BATON_WRITE_KEY": WRITE_KEY,
           "BATON_ANALYTICS_PATH": "off"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "baton", "serve", "--processor", processor], env=env
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            def up() -> bool:
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(up, server, "the server answering")
            yield client, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=PATIENCE)


WRITE_KEY = "bw_serve_test_write_key"


def test_serve_resolves_events_in_a_thread_or_leaves_them_with_processor_off(
    baton: Baton,
) -> None:
    engine = connect(baton.database_url)

    def accept(client: httpx.Client, message_id: str) -> None:
        body = {"userId": "sid", "event": "Go", "messageId": message_id}
        answer = client.post("/v1/track", json=body, headers=basic(WRITE_KEY))
        assert answer.status_code == 200, answer.text

    with serving(baton, "off") as (client, server):
        accept(client, "s1")
        accept(client, "s2")
        wait_for(lambda: stored(engine, "s1", "s2"), server, "s1 and s2 stored")
        # A round trip more: by now a processor, were there one, has had its turn.
        accept(client, "s3")
        wait_for(lambda: stored(engine, "s3"), server, "s3 stored")
    assert resolved(engine, "s1", "s2", "s3") == [False, False, False]

    with serving(baton, "thread") as (client, server):
        accept(client, "s4")
        everything = ("s1", "s2", "s3", "s4")
        wait_for(lambda: all(resolved(engine, *everything)), server, "every event resolved")
    engine.dispose()
