"""Analytics figures (issue 8).

- Queries: an analytics store of `--events` events over `--profiles` profiles (90 days
  of page views, product views, carts, checkouts, orders with revenue, sign-ups, NPS and
  CSAT answers, tickets), generated in DuckDB; then a 4-step funnel with a breakdown by
  a trait, and the whole KPI set over 30 days (median of 3 runs each).
- Freshness: events ingested at `--rate` per second for `--seconds` through the real
  path (stored, resolved by identity) into SQLite or PostgreSQL while the store syncs
  every second, as `baton serve` does; the store's lag sampled twice a second (p50, p99).

Targets (10,000,000 events, 1,000,000 profiles): funnel < 2 s, KPIs < 5 s, lag p99 < 5 s
at 10,000 events/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from baton.analytics.funnels import funnel, parse_funnel
from baton.analytics.kpis import STANDARD, kpis
from baton.analytics.store import AnalyticsStore
from baton.core.clock import SystemClock
from baton.identity.processor import process_pending
from baton.ingest import parse_message, store_messages
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
        store.close()
    return {
        "events": events,
        "profiles": profiles,
        "generate_s": round(generated, 1),
        "funnel_s": round(funnel_s, 3),
        "funnel_entered": found["funnel"]["entered"],
        "kpis_s": round(kpis_s, 3),
        "kpi_visitors": found["kpis"]["visitors"],
    }


def freshness(kind: str, rate: int, seconds: float) -> dict[str, Any]:
    """The store's lag while events arrive at `rate` per second and identity resolves them."""
    with database(kind) as url, tempfile.TemporaryDirectory() as folder:
        engine = connect(url, sync_every_commit=False)
        upgrade(engine)
        clock = SystemClock()
        with write_transaction(engine) as connection:
            workspace_id = create_workspace(connection, "bench", clock)
        store = AnalyticsStore(f"{folder}/lag.duckdb")
        stop = threading.Event()
        lags: list[float] = []

        def ingest() -> None:
            n, began = 0, time.perf_counter()
            while not stop.is_set():
                due = int((time.perf_counter() - began) * rate) - n
                if due > 0:
                    now = clock.now().isoformat()
                    raw = [
                        {
                            "type": "track",
                            "userId": f"u{(n + k) % 50_000}",
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

        def follow() -> None:
            while not stop.wait(1.0):
                store.sync(engine, clock.now())

        workers = [threading.Thread(target=t) for t in (ingest, resolve, follow)]
        for worker in workers:
            worker.start()
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            time.sleep(0.5)
            if time.perf_counter() - began > 2:  # past the start
                lags.append(store.lag_seconds(engine))
        stop.set()
        for worker in workers:
            worker.join()
        copied = store.synced_through()
        store.close()
        engine.dispose()
    return {
        "freshness_database": kind,
        "ingest_rate": rate,
        "lag_p50_s": round(percentile(lags, 0.5), 2),
        "lag_p99_s": round(percentile(lags, 0.99), 2),
        "events_copied": copied,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    options = parser.parse_args()
    result = {"bench": "analytics", **queries(options.events, options.profiles)}
    result.update(freshness(options.database, options.rate, options.seconds))
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
