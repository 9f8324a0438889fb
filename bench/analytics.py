"""Analytics figures (issue 8).

- Queries: an analytics store of `--events` events over `--profiles` profiles (90 days
  of page views, product views, carts, checkouts, orders with revenue, sign-ups, NPS and
  CSAT answers, tickets), generated in DuckDB; then a 4-step funnel with a breakdown by
  a trait, and the whole KPI set over 30 days (median of 3 runs each).
- Journey report: a SQLite database holding the same number of events (in the events
  table with its indexes, as identity leaves them) and a cart journey with a 10% holdout
  that `--entries` of the profiles entered over 30 days, with their steps, a reminder
  each and opens of some; then the report over the last 3 days (a tenth of the entries)
  and over the 30 days (median of 3 each).
- Freshness: events ingested at `--rate` per second for `--seconds` through the real
  path (stored, resolved by identity) into SQLite or PostgreSQL by `--writers` threads at
  once, as several API processes store, while the store follows it as `baton serve` runs
  it (a sync every two seconds); the store's lag sampled twice a second (p50, p99). Then
  identity and the store catch up, and the resolved events the store lacks are counted
  (`events_missed`, which must be 0).

Targets (10,000,000 events, 1,000,000 profiles): funnel < 2 s, KPIs < 5 s, journey report
< 1 s, lag p99 < 5 s at 10,000 events/s.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, select

from baton.analytics.funnels import funnel, parse_funnel
from baton.analytics.journey_report import journey_report
from baton.analytics.kpis import STANDARD, kpis
from baton.analytics.store import AnalyticsStore, lag_seconds
from baton.core.clock import SystemClock
from baton.identity.processor import process_pending
from baton.ingest import parse_message, store_messages
from baton.journeys.definitions import parse_journey
from baton.journeys.files import apply_journey
from baton.pipeline import Pipeline, Stage
from baton.storage import tables
from baton.storage.database import connect, write_transaction
from baton.storage.migrate import upgrade
from baton.workspaces import create_workspace
from bench.harness import database, percentile

END = datetime(2026, 11, 1, tzinfo=UTC)
# (cumulative share, event): the mix of a shop's events.
MIX = [
    (0.50, "Page Viewed"),
    (0.75, "Product Viewed"),
    (0.87, "Product Added"),
    (0.93, "Checkout Started"),
    (0.97, "Order Completed"),
    (0.98, "Signed Up"),
    (0.99, "NPS Submitted"),
    (0.995, "CSAT Submitted"),
    (0.9975, "Ticket Opened"),
    (1.0, "Ticket Resolved"),
]


def generate(store: AnalyticsStore, events: int, profiles: int) -> float:
    """Fill the store in DuckDB itself; returns the seconds it took."""
    began = time.perf_counter()
    cases = " ".join(f"WHEN r < {share} THEN '{name}'" for share, name in MIX)
    with store.cursor() as db:
        db.execute("SELECT setseed(0.42)")
        db.execute(
            "INSERT INTO profiles SELECT 'p' || i, 'ws', json_object('plan', "
            "['free', 'basic', 'pro', 'team'][1 + (i % 4)::INT]), TIMESTAMPTZ '2026-08-01' "
            f"FROM range({profiles}) t(i)"
        )
        db.execute(
            f"""
            INSERT INTO events
            SELECT i, 'ws', 'p' || (hash(i) % {profiles}), 'track', name, ts, ts,
                   CASE name
                     WHEN 'Order Completed' THEN json_object('revenue', 10 + (hash(i) % 190))
                     WHEN 'NPS Submitted' THEN json_object('score', hash(i) % 11)
                     WHEN 'CSAT Submitted' THEN json_object('score', 1 + hash(i) % 5)
                     WHEN 'Ticket Opened' THEN json_object('ticket_id', 't' || (i // 7))
                     WHEN 'Ticket Resolved' THEN json_object('ticket_id', 't' || (i // 7))
                     ELSE json_object('sku', 's' || (hash(i) % 500)) END
            FROM (SELECT i, CASE {cases} END AS name,
                         TIMESTAMPTZ '{END.isoformat()}' - to_seconds(random() * 90 * 86400) AS ts
                  FROM (SELECT i, random() AS r FROM range({events}) t(i)))
            """
        )
        db.execute("INSERT INTO sync_state VALUES ('events', ?, NULL)", [events])
        db.execute("CHECKPOINT")
    return time.perf_counter() - began


def timed(work: Any) -> float:
    runs = []
    for _ in range(3):
        began = time.perf_counter()
        work()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def queries(events: int, profiles: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store = AnalyticsStore(f"{folder}/bench.duckdb")
        generated = generate(store, events, profiles)
        start = END - timedelta(days=30)
        spec = parse_funnel(
            {
                "steps": [
                    {"event": "Product Viewed"},
                    {"event": "Product Added"},
                    {"event": "Checkout Started"},
                    {"event": "Order Completed"},
                ],
                "from": start.isoformat(),
                "to": END.isoformat(),
                "window": "7d",
                "breakdown": {"trait": "plan"},
            }
        )
        names = {name: name for name in STANDARD}
        found: dict[str, Any] = {}

        def run_funnel() -> None:
            found["funnel"] = funnel(store, "ws", spec)

        def run_kpis() -> None:
            found["kpis"] = kpis(
                store,
                "ws",
                names=names,
                members=None,
                start=start,
                end=END,
                churn_window=timedelta(days=90),
            )

        funnel_s, kpis_s = timed(run_funnel), timed(run_kpis)
    return {
        "events": events,
        "profiles": profiles,
        "generate_s": round(generated, 1),
        "funnel_s": round(funnel_s, 3),
        "funnel_entered": found["funnel"]["entered"],
        "kpis_s": round(kpis_s, 3),
        "kpi_visitors": found["kpis"]["visitors"],
    }


REPORTED = {
    "key": "cart",
    "name": "Cart abandonment with a holdout",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed"},
    "start": "hold",
    "nodes": {
        "hold": {"type": "holdout", "percent": 10, "next": "wait"},
        "wait": {
            "type": "wait_for_event",
            "event": "Order Completed",
            "timeout": "1h",
            "timeout_next": "remind",
        },
        "remind": {
            "type": "message",
            "channel": "webhook",
            "template": "cart",
            "next": "later",
        },
        "later": {"type": "wait_for_event", "event": "Order Completed", "timeout": "3d"},
    },
}


def _spread(column: str, prime: int, size: int) -> str:
    """A well-spread whole number in [0, size) from an integer column, a different one
    for each prime (SQLite would draw random() anew at each mention of a flattened
    subquery's column)."""
    return f"(({column} + 1) * {prime} % 4294967291 % {size})"


def fill_operational(path: str, workspace_id: str, journey_id: str, n: int, people: int,
                     entries: int) -> None:  # fmt: skip
    """Events as identity leaves them, then the journey's instances, steps, messages
    and opens; written in SQLite itself, the events' indexes built afterwards."""
    db = sqlite3.connect(path)
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    end = int(END.timestamp())
    share = f"({_spread('i', 2654435761, 1_000_000)} / 1000000.0)"
    cases = " ".join(f"WHEN {share} < {cut} THEN '{name}'" for cut, name in MIX)
    stamp = f"datetime({end} - {_spread('i', 2246822519, 90 * 86400)}, 'unixepoch') || '.000000'"
    db.execute(
        f"""
        WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < {n - 1})
        INSERT INTO events (seq, workspace_id, message_id, type, event, timestamp,
                            received_at, properties, profile_id)
        SELECT i + 1, ?, 'e' || i, 'track', name, {stamp}, {stamp},
               CASE name WHEN 'Order Completed'
                 THEN json_object('revenue', 10 + {_spread("i", 3266489917, 190)})
                 ELSE json_object('sku', 's' || {_spread("i", 668265263, 500)}) END,
               'p' || {_spread("i", 374761393, people)}
        FROM (SELECT i, CASE {cases} END AS name FROM k)
        """,
        [workspace_id],
    )
    every = people // entries
    entered = f"{end} - 30 * 86400 + i * {30 * 86400 / entries}"
    # i % 10: 0 held out, 1-3 buy within the first hour, the rest are reminded.
    db.execute(
        f"""
        WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < {entries - 1})
        INSERT INTO journey_instances (id, workspace_id, journey_id, version, profile_id,
            node, steps, state, entered_at, ended_at, outcome, goal_at)
        SELECT 'ji' || i, ?, ?, 1, 'p' || (i * {every}),
               CASE WHEN i % 10 BETWEEN 1 AND 3 THEN 'wait' ELSE 'later' END,
               CASE WHEN i % 10 BETWEEN 1 AND 3 THEN 2 ELSE 4 END,
               json_object('holdout', json(CASE WHEN i % 10 = 0 THEN 'true' ELSE 'false' END)),
               datetime({entered}, 'unixepoch') || '.000000',
               datetime({entered} + CASE WHEN i % 10 BETWEEN 1 AND 3 THEN 1800
                        ELSE 3 * 86400 + 3600 END, 'unixepoch') || '.000000',
               CASE WHEN i % 10 BETWEEN 1 AND 3 THEN 'goal' ELSE 'completed' END,
               CASE WHEN i % 10 BETWEEN 1 AND 3
                    THEN datetime({entered} + 1800, 'unixepoch') || '.000000' END
        FROM k
        """,
        [workspace_id, journey_id],
    )
    db.execute(
        """
        INSERT INTO journey_steps (instance_id, n, at, node, action)
        SELECT j.id, s.n, j.entered_at, s.node, s.action
        FROM journey_instances j
        JOIN (SELECT 0 AS n, 'hold' AS node, 'holdout' AS action
              UNION ALL SELECT 1, 'wait', 'wait_for_event'
              UNION ALL SELECT 2, 'remind', 'message'
              UNION ALL SELECT 3, 'later', 'wait_for_event') s ON s.n < j.steps
        """
    )
    db.execute(
        """
        INSERT INTO messages (id, workspace_id, profile_id, journey_id, version, instance_id,
            node, channel, status, reason, idempotency_key, created_at, due_at, dispatched_at)
        SELECT 'jm' || substr(id, 3), workspace_id, profile_id, journey_id, 1, id, 'remind',
               'webhook', CASE WHEN json_extract(state, '$.holdout') THEN 'skipped'
                          ELSE 'delivered' END,
               CASE WHEN json_extract(state, '$.holdout') THEN 'held_out' END,
               'bench:' || id, entered_at, entered_at,
               datetime(entered_at, '+1 hour') || '.000000'
        FROM journey_instances WHERE steps = 4
        """
    )
    db.execute(
        f"""
        INSERT INTO events (seq, workspace_id, message_id, type, event, timestamp,
                            received_at, properties, profile_id)
        SELECT {n} + row_number() OVER (), workspace_id, 'open-' || id, 'track',
               'Email Opened', datetime(dispatched_at, '+10 minutes') || '.000000',
               datetime(dispatched_at, '+10 minutes') || '.000000',
               json_object('message_id', id), profile_id
        FROM messages WHERE status = 'delivered' AND {_spread("rowid", 1610612741, 5)} = 0
        """
    )
    for _, sql in indexes:
        db.execute(sql)
    db.commit()
    db.close()


def journey_report_time(n: int, people: int, entries: int) -> dict[str, Any]:
    with database("sqlite") as url:
        engine = connect(url, sync_every_commit=False)
        upgrade(engine)
        clock = SystemClock()
        with write_transaction(engine) as connection:
            workspace_id = create_workspace(connection, "bench", clock)
            journey = apply_journey(
                connection, workspace_id, parse_journey(REPORTED), clock.now(), publish_it=True
            ).journey
        began = time.perf_counter()
        fill_operational(url.removeprefix("sqlite:///"), workspace_id, journey.id, n, people,
                         entries)  # fmt: skip
        filled = time.perf_counter() - began
        figures: dict[str, Any] = {"report_fill_s": round(filled, 1)}
        # The last 3 days hold a tenth of the entries, the 30 days all of them.
        for days, suffix in ((3, ""), (30, "_30d")):
            found: dict[str, Any] = {}

            def run_report(days: int = days, found: dict[str, Any] = found) -> None:
                with engine.connect() as connection:
                    found["report"] = journey_report(
                        connection,
                        journey,
                        start=END - timedelta(days=days),
                        end=END,
                        version=None,
                        window=timedelta(days=7),
                    )

            seconds = timed(run_report)
            report = found["report"]
            figures.update(
                {
                    f"report{suffix}_entries": report["entries"],
                    f"report{suffix}_s": round(seconds, 3),
                    f"report{suffix}_revenue_last_touch": report["revenue"]["last_touch"],
                }
            )
        engine.dispose()
    return figures


def freshness(kind: str, rate: int, seconds: float, writers: int) -> dict[str, Any]:
    """The store's lag while events arrive at `rate` per second from `writers` threads
    and identity resolves them; then what it missed."""
    with database(kind) as url, tempfile.TemporaryDirectory() as folder:
        engine = connect(url, sync_every_commit=False)
        upgrade(engine)
        clock = SystemClock()
        with write_transaction(engine) as connection:
            workspace_id = create_workspace(connection, "bench", clock)
        store = AnalyticsStore(f"{folder}/lag.duckdb")
        stop = threading.Event()
        lags: list[float] = []

        def ingest(writer: int) -> None:
            n, began = 0, time.perf_counter()
            while not stop.is_set():
                due = int((time.perf_counter() - began) * rate / writers) - n
                if due > 0:
                    now = clock.now().isoformat()
                    raw = [
                        {
                            "type": "track",
                            "userId": f"u{((n + k) * writers + writer) % 50_000}",
                            "event": "Page Viewed",
                            "timestamp": now,
                        }
                        for k in range(due)
                    ]
                    store_messages(
                        engine,
                        workspace_id,
                        [parse_message(m, received_at=clock.now(), ip=None, size=80) for m in raw],
                    )
                    n += due
                time.sleep(0.02)

        def resolve() -> None:
            while not stop.is_set():
                if not process_pending(engine, clock, "US"):
                    time.sleep(0.01)

        # The analytics stage alone, as `baton serve`'s worker runs it.
        follower = Pipeline(
            connect(url, sync_every_commit=False),
            clock,
            random.Random(0),
            "US",
            stages=[Stage.ANALYTICS],
            analytics=store,
        )
        workers = [threading.Thread(target=ingest, args=(w,)) for w in range(writers)]
        workers.append(threading.Thread(target=resolve))
        for worker in workers:
            worker.start()
        follower.start()
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            time.sleep(0.5)
            if time.perf_counter() - began > 2:  # past the start
                lags.append(lag_seconds(engine, store.synced_through()))
        stop.set()
        follower.stop()
        for worker in workers:
            worker.join()
        while process_pending(engine, clock, "US"):
            pass
        for _ in range(2):  # the second copies what the first waited on
            store.sync(engine, clock.now())
        with engine.connect() as connection:
            resolved = connection.execute(
                select(func.count()).where(tables.events.c.profile_id.is_not(None))
            ).scalar_one()
        copied = store.rows("SELECT count(*) FROM events", [])[0][0]
        engine.dispose()
    return {
        "freshness_database": kind,
        "ingest_rate": rate,
        "ingest_writers": writers,
        "lag_p50_s": round(percentile(lags, 0.5), 2),
        "lag_p99_s": round(percentile(lags, 0.99), 2),
        "events_copied": copied,
        "events_missed": resolved - copied,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=4)
    options = parser.parse_args()
    result = {"bench": "analytics", **queries(options.events, options.profiles)}
    result.update(journey_report_time(options.events, options.profiles, options.entries))
    result.update(freshness(options.database, options.rate, options.seconds, options.writers))
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
