"""A broadcast to `--people` profiles (a CSV upload of their ids) at a `--per-minute`
throttle, through the real delivery stage of the pipeline (as `baton worker --stage
delivery` runs it) and the `log` channel (rendered, recorded delivered, nothing sent).

Printed, one JSON line: seconds from send to everyone's message queued (snapshot and
outbox), seconds until the last was delivered, the delivery rate against the throttle
asked, the most delivered in any one second and in any 60 seconds (a sliding window, so
"at the throttle asked" is checked per minute, the throttle's own unit, not only per
second), and whether each person got exactly one message.

Target (issue 23): 100,000 people on SQLite, exactly once each, at the throttle asked.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import orjson
from sqlalchemy import Engine, func, insert, select

from baton.campaigns import get_broadcast, parse_broadcast, save_draft, start, upload_recipients
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import SystemClock
from baton.pipeline import Pipeline, Stage
from baton.storage.database import connect, executemany_fast, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import broadcasts, messages, profiles
from baton.workspaces import create_workspace
from bench.harness import database


def _setup(engine: Engine, people: int, per_minute: int) -> str:
    clock = SystemClock()
    now = clock.now()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "broadcast bench", clock)
        template = {"key": "news", "channel": "email", "subject": "{{ profile.traits.firstName }}",
                    "html": "<p>Hi {{ profile.traits.firstName }}, news.</p>"}  # fmt: skip
        save_template(connection, workspace_id, parse_template(template), now)
        rows = [
            {"id": f"prof_b{i:07d}", "workspace_id": workspace_id, "merged_into": None,
             "traits": {"email": f"c{i}@shop.example", "firstName": f"C{i}"},
             "trait_versions": {}, "event_count": 0, "created_at": now, "updated_at": now}
            for i in range(people)
        ]  # fmt: skip
        for first in range(0, len(rows), 5000):
            executemany_fast(connection, insert(profiles), rows[first : first + 5000])
        definition = parse_broadcast({
            "key": "bench", "name": "Bench", "channel": "email", "template": "news",
            "audience": {"upload": True}, "throttle": {"per_minute": per_minute},
        })  # fmt: skip
        save_draft(connection, workspace_id, definition, now)
        ids = "profile_id\n" + "\n".join(f"prof_b{i:07d}" for i in range(people))
        upload_recipients(connection, workspace_id, "bench", ids, "US")
    return workspace_id


def most_within(instants: Sequence[datetime], span: timedelta) -> int:
    """The most of `instants` in any window [t, t + span): two pointers over them sorted."""
    ordered = sorted(instants)
    most = first = 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


def run(url: str, people: int, per_minute: int) -> dict[str, object]:
    engine = connect(url, sync_every_commit=False)
    upgrade(engine)
    workspace_id = _setup(engine, people, per_minute)
    clock = SystemClock()
    pipeline = Pipeline(engine, clock, random.Random(7), "US", stages=[Stage.DELIVERY])
    pipeline.start()
    began = time.perf_counter()
    with write_transaction(engine) as connection:
        start(connection, workspace_id, "bench", clock.now())
    pipeline.wake_journeys()
    queued_s = None
    delivered = select(func.count()).where(
        messages.c.workspace_id == workspace_id, messages.c.status == "delivered"
    )
    with engine.connect() as connection:
        while True:
            time.sleep(0.5)
            if queued_s is None:
                status = connection.execute(
                    select(broadcasts.c.status).where(broadcasts.c.workspace_id == workspace_id)
                ).scalar_one()
                if status == "sent":
                    queued_s = time.perf_counter() - began
            if connection.execute(delivered).scalar_one() >= people:
                break
            connection.rollback()
    seconds = time.perf_counter() - began
    pipeline.stop()
    engine = connect(url)
    with engine.connect() as connection:
        found = get_broadcast(connection, workspace_id, "bench")
        rows = connection.execute(
            select(messages.c.profile_id, messages.c.due_at, messages.c.dispatched_at).where(
                messages.c.broadcast_id == found.id
            )
        ).all()
    engine.dispose()
    per_person = Counter(row.profile_id for row in rows)
    first = min(row.dispatched_at for row in rows)
    last = max(row.dispatched_at for row in rows)
    seconds_in = Counter(int((row.dispatched_at - first).total_seconds()) for row in rows)
    in_a_minute = most_within([row.dispatched_at for row in rows], timedelta(minutes=1))
    return {
        "bench": "broadcast",
        "people": people,
        "per_minute": per_minute,
        "messages": len(rows),
        "exactly_once": len(per_person) == people and set(per_person.values()) == {1},
        "queued_s": round(queued_s or seconds, 2),
        "seconds": round(seconds, 2),
        "throttle_per_s": round(per_minute / 60),
        "messages_per_s": round(len(rows) / max((last - first).total_seconds(), 1e-9)),
        "most_in_a_second": max(seconds_in.values()),
        # The throttle's unit: at the throttle, no 60 s holds more than per_minute.
        "most_in_60s": in_a_minute,
        "most_in_60s_over_throttle": round(in_a_minute / per_minute, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--per-minute", type=int, default=60_000)
    options = parser.parse_args()
    with database(options.database) as url:
        result = run(url, options.people, options.per_minute)
    print(orjson.dumps({"database": options.database, **result}).decode(), flush=True)


if __name__ == "__main__":
    main()
