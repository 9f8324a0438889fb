"""Segments benchmark: full evaluation, incremental cost, event -> membership latency.

Loads P profiles with E events (e-commerce shapes over 120 days) straight into the
database, applies docs/examples/segments.yaml (five segments of the kinds marketers use,
two computed traits), then measures:
- the full evaluation of each definition (SQL, chunked, memberships and their events written);
- incremental evaluation per profile (what one event costs: its profile re-evaluated);
- event -> membership latency through a real `baton serve` under a background load.
Prints one JSON line.

    python -m bench.segments --database sqlite --profiles 100000 --events 2000000
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from baton.core.clock import SystemClock
from baton.core.ids import new_id
from baton.identity.normalize import USER_ID
from baton.identity.processor import refresh_statistics
from baton.segments import Kind, build, evaluate_due
from baton.segments.files import read_definitions
from baton.segments.store import save_definition
from baton.storage.database import connect, executemany_fast, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import events, identifiers, profiles
from baton.timeline import mark_due
from baton.workspaces import ensure_default_workspace
from bench.harness import ADMIN_TOKEN, AUTH, WRITE_KEY, database, free_port, percentile, server

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples" / "segments.yaml"
PROBE = {"key": "probe", "name": "Signed up", "condition": {"event": "Signed Up"}}
KINDS = [
    ("Page Viewed", 50),
    ("Product Viewed", 25),
    ("Product Added", 12),
    ("Checkout Started", 7),
    ("Order Completed", 6),
]
CATEGORIES = ["shoes", "bags", "hats", "coats"]
PROBE_TIMEOUT = 10.0
JSON_WRITE = {**AUTH, "Content-Type": "application/json"}


def load(engine: Engine, workspace_id: str, people: int, count: int, now: datetime) -> None:
    rng = random.Random(7)
    names = [name for name, weight in KINDS for _ in range(weight)]
    profile_ids = [new_id("prof", now) for _ in range(people)]
    rows = []
    for profile_id in profile_ids:
        rows.append(
            {
                "id": profile_id,
                "workspace_id": workspace_id,
                "traits": {"plan": rng.choice(["free", "pro", "business"])},
                "trait_versions": {},
                "first_seen": now - timedelta(days=120),
                "last_seen": now,
                "event_count": count // people,
                "created_at": now,
                "updated_at": now,
            }
        )
    with write_transaction(engine) as connection:
        executemany_fast(connection, insert(profiles), rows)
        executemany_fast(
            connection,
            insert(identifiers),
            [
                {
                    "workspace_id": workspace_id,
                    "kind": USER_ID,
                    "value": f"user-{n}",
                    "profile_id": profile_id,
                    "component_id": None,
                    "first_seen": now,
                }
                for n, profile_id in enumerate(profile_ids)
            ],
        )
    chunk = 50_000
    for start in range(0, count, chunk):
        batch = []
        for number in range(start, min(count, start + chunk)):
            person = rng.randrange(people)
            name = rng.choice(names)
            properties: dict[str, Any] = {"category": rng.choice(CATEGORIES)}
            if name == "Order Completed":
                properties["revenue"] = round(rng.uniform(10, 300), 2)
            at = now - timedelta(seconds=rng.randrange(120 * 86400))
            batch.append(
                {
                    "workspace_id": workspace_id,
                    "message_id": f"load-{number}",
                    "type": "track",
                    "event": name,
                    "user_id": f"user-{person}",
                    "timestamp": at,
                    "received_at": at,
                    "properties": properties,
                    "profile_id": profile_ids[person],
                }
            )
        with write_transaction(engine) as connection:
            executemany_fast(connection, insert(events), batch)


def full_evaluations(engine: Engine, workspace_id: str) -> dict[str, float]:
    """Seconds to evaluate each example definition for every profile."""
    clock = SystemClock()
    seconds = {}
    for definition in read_definitions(EXAMPLES):
        with write_transaction(engine) as connection:
            saved, _ = save_definition(connection, workspace_id, definition, clock.now())
        began = time.perf_counter()
        build(engine, clock, workspace_id, saved.kind, saved.id)
        seconds[saved.key] = round(time.perf_counter() - began, 2)
    return seconds


def incremental_cost(engine: Engine, workspace_id: str, sample: int) -> float:
    """Milliseconds to re-evaluate one profile (all segments), as one event makes it due."""
    clock = SystemClock()
    with engine.connect() as connection:
        ids = list(connection.execute(select(profiles.c.id).limit(sample)).scalars())
    with write_transaction(engine) as connection:
        mark_due(connection, workspace_id, ((p, clock.now()) for p in ids))
    began = time.perf_counter()
    while evaluate_due(engine, clock):
        pass
    return (time.perf_counter() - began) * 1000 / len(ids)


def latencies(port: int, people: int, rate: int, probes: int) -> list[float]:
    """Send `rate` events/s for existing customers; meanwhile, probes that enter a segment,
    each timed from its send until the admin API counts it as a member."""
    stop = threading.Event()

    def background() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        rng = random.Random(1)
        per_batch, began, sent = 20, time.perf_counter(), 0
        while not stop.is_set():
            batch = [
                {
                    "type": "track",
                    "userId": f"user-{rng.randrange(people)}",
                    "event": rng.choice(["Page Viewed", "Product Viewed", "Product Added"]),
                    "properties": {"category": rng.choice(CATEGORIES)},
                }
                for _ in range(per_batch)
            ]
            body = orjson.dumps({"batch": batch})
            connection.request(
                "POST", "/v1/batch", body, {**AUTH, "Content-Type": "application/json"}
            )
            connection.getresponse().read()
            sent += per_batch
            delay = began + sent / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

    loader = threading.Thread(target=background, daemon=True)
    loader.start()
    time.sleep(5)  # let the load reach a steady state first
    found = []
    connection = http.client.HTTPConnection("127.0.0.1", port)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def members() -> int:
        connection.request("GET", "/api/v1/segments/probe/count", headers=admin)
        return int(orjson.loads(connection.getresponse().read())["count"])

    before = members()
    for number in range(probes):
        body = orjson.dumps({"userId": f"probe-{number}", "event": "Signed Up"})
        sent = time.perf_counter()
        connection.request("POST", "/v1/track", body, JSON_WRITE)
        connection.getresponse().read()
        # Each probe is one more member of the segment: a cheap count shows it. A pipeline
        # that cannot keep up shows as probes that took the whole PROBE_TIMEOUT.
        while members() <= before + number and time.perf_counter() - sent < PROBE_TIMEOUT:
            time.sleep(0.002)
        found.append(time.perf_counter() - sent)
        before = members() - number - 1
        time.sleep(0.05)
    stop.set()
    loader.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--rate", type=int, default=1000, help="background events/s")
    parser.add_argument("--probes", type=int, default=100)
    options = parser.parse_args()
    with database(options.database) as url:
        engine = connect(url, sync_every_commit=False)
        upgrade(engine)
        clock = SystemClock()
        with write_transaction(engine) as connection:
            workspace_id = ensure_default_workspace(
                connection, clock, write_key=WRITE_KEY, admin_token=ADMIN_TOKEN
            ).workspace_id
        began = time.perf_counter()
        load(engine, workspace_id, options.profiles, options.events, clock.now())
        load_seconds = time.perf_counter() - began
        refresh_statistics(engine)  # a database this size has had its autovacuum analyze
        full = full_evaluations(engine, workspace_id)
        per_profile_ms = incremental_cost(engine, workspace_id, 5000)
        with write_transaction(engine) as connection:
            saved, _ = save_definition(
                connection, workspace_id, Kind.SEGMENT.parse(PROBE), clock.now()
            )
        build(engine, clock, workspace_id, Kind.SEGMENT, saved.id)
        engine.dispose()
        port = free_port()
        with server(url, port, "process"):
            found = latencies(port, options.profiles, options.rate, options.probes)
    print(
        orjson.dumps(
            {
                "bench": "segments",
                "database": options.database,
                "profiles": options.profiles,
                "events": options.events,
                "load_s": round(load_seconds, 1),
                "full_evaluation_s": full,
                "incremental_ms_per_profile": round(per_profile_ms, 3),
                "background_events_per_s": options.rate,
                "event_to_membership_ms_p50": round(statistics.median(found) * 1000, 1),
                "event_to_membership_ms_p99": round(percentile(found, 0.99) * 1000, 1),
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
