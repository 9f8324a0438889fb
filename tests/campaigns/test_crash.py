"""A broadcast's worker killed (as by kill -9) in the middle of queueing resumes where
the last commit left it, and nobody gets the message twice, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from sqlalchemy import select

from baton.campaigns import advance_broadcasts, parse_broadcast, save_draft, start
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock, SystemClock
from baton.core.faults import FAULT_EXIT_STATUS
from baton.storage.database import connect, write_transaction
from baton.storage.tables import broadcast_recipients, messages, profiles
from baton.workspaces import create_workspace
from tests.identity.helpers import send
from tests.journeys.helpers import run
from tests.segments.helpers import identify

PEOPLE = 30


def test_a_worker_killed_while_queueing_resumes_without_sending_twice(own_database: str) -> None:
    engine = connect(own_database)
    clock = ManualClock(SystemClock().now())
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "crash", clock)
        template = {"key": "news", "channel": "email", "subject": "News", "html": "<p>Hi</p>"}
        save_template(connection, workspace_id, parse_template(template), clock.now())
    users = [f"p{n:02d}" for n in range(PEOPLE)]
    send(engine, clock, workspace_id, *(identify(u, clock.now()) for u in users))
    with write_transaction(engine) as connection:
        query = select(profiles.c.id).where(profiles.c.workspace_id == workspace_id)
        profile_ids = list(connection.execute(query).scalars())
        audience = {"profiles": profile_ids}
        document = {"key": "crash", "name": "Crash", "channel": "email", "template": "news"}
        definition = parse_broadcast({**document, "audience": audience})
        save_draft(connection, workspace_id, definition, clock.now())
        start(connection, workspace_id, "crash", clock.now())
    # The snapshot and a first batch of 10 are committed before the worker starts.
    assert advance_broadcasts(engine, clock, batch_size=10) == PEOPLE
    assert advance_broadcasts(engine, clock, batch_size=10) == 10

    worker = subprocess.Popen(
        [sys.executable, "-m", "baton", "worker", "--stage", "delivery"],
        env={**os.environ, "BATON_DATABASE_URL": own_database, "BATON_FAULT": "broadcast.queued"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert worker.wait(timeout=60) == FAULT_EXIT_STATUS
    finally:
        worker.kill()
    with engine.connect() as connection:
        queued = connection.execute(
            select(broadcast_recipients.c.queued).where(broadcast_recipients.c.queued.is_(True))
        ).all()
        assert len(queued) == 10  # the dead worker's batch was rolled back

    run(engine, clock)
    with engine.connect() as connection:
        query = select(messages.c.profile_id).where(messages.c.workspace_id == workspace_id)
        sent = Counter(connection.execute(query).scalars())
    assert sent == Counter(profile_ids)
    engine.dispose()
