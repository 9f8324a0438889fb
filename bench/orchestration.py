"""Orchestration figures for bench/journeys.py: competing journeys under a cap, the cost
of arbitration in the dispatcher, and backtest throughput.

- Competing journeys (a real `baton serve`): the cart journey (priority 70) and a
  win-back journey (priority 30) both message every customer `wait` seconds after
  `Product Added`, under a workspace cap of one marketing message per day. Prints the
  most messages any customer got (must be 1) and the decisions by reason.
- Arbitration cost (the dispatcher alone): the same 2 x N due messages dispatched
  without a policy and with the cap; messages/s of each.
- Backtest: `events` stored events (views, carts, orders of 100 per 1,000 customers over
  30 days) replayed through the cart journey with a branch on recent views.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from baton.channels.dispatch import dispatch_due
from baton.core.clock import ManualClock, SystemClock
from baton.identity.processor import process_pending
from baton.ingest import parse_message, store_messages
from baton.journeys.definitions import parse_journey
from baton.journeys.files import apply_journey
from baton.journeys.runner import process_inbox
from baton.journeys.simulation import backtest
from baton.journeys.store import get_journey, save_draft
from baton.storage.database import connect, executemany_fast, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import events, journey_instances, journeys, messages, profiles
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from bench.harness import POLL_SECONDS, pending, server, wait_resolved

CAP = {"caps": [{"name": "marketing-daily", "max": 1, "per": "1d"}]}


def competing(wait_seconds: int) -> list[dict[str, Any]]:
    """The cart journey and a win-back journey that both message after `wait` seconds."""
    cart = {
        "key": "cart",
        "name": "Cart abandonment",
        "priority": 70,
        "trigger": {"event": "Product Added"},
        "goal": {"event": "Order Completed"},
        "start": "wait",
        "nodes": {
            "wait": {
                "type": "wait_for_event",
                "event": "Order Completed",
                "timeout": f"{wait_seconds}s",
                "timeout_next": "remind",
            },
            "remind": {"type": "message", "channel": "email", "template": "cart"},
        },
    }
    winback = {
        "key": "winback",
        "name": "Win-back",
        "priority": 30,
        "trigger": {"event": "Product Added"},
        "start": "later",
        "nodes": {
            "later": {"type": "delay", "duration": f"{wait_seconds}s", "next": "offer"},
            "offer": {"type": "message", "channel": "email", "template": "winback"},
        },
    }
    return [cart, winback]


def competing_workload(
    url: str, port: int, call: Any, send_batches: Any, customers: int, wait: int
) -> dict[str, Any]:
    """Both journeys against the same customers in a real `baton serve`, capped."""
    rng = random.Random(11)
    converters = set(rng.sample(range(customers), int(customers * 0.3)))
    with server(url, port, "process"):
        call(port, "PUT", "/api/v1/policy", CAP)
        for definition in competing(wait):
            call(port, "PUT", f"/api/v1/journeys/{definition['key']}", definition)
            call(port, "POST", f"/api/v1/journeys/{definition['key']}/publish")
        began = time.time()
        send_batches(port, [
            {"type": "track", "userId": f"c{n}", "event": "Product Added",
             "messageId": f"add-{n}"}
            for n in range(customers)
        ])  # fmt: skip
        send_batches(port, [
            {"type": "track", "userId": f"c{n}", "event": "Order Completed",
             "messageId": f"order-{n}"}
            for n in sorted(converters)
        ])  # fmt: skip
        engine = connect(url)
        deadline = time.time() + 600
        wait_resolved(port, deadline - time.time())
        while pending(port) or _unsettled(engine, 2 * customers):
            if time.time() > deadline:
                raise SystemExit("the competing workload did not finish")
            time.sleep(POLL_SECONDS)
        seconds = time.time() - began
        outcome = _decisions(engine)
        engine.dispose()
    return {**outcome, "competing_total_s": round(seconds, 2)}


def _unsettled(engine: Engine, instances: int) -> bool:
    """Until every instance started and ended and no message waits."""
    with engine.connect() as connection:
        started, live = connection.execute(
            select(func.count(), func.count().filter(journey_instances.c.ended_at.is_(None)))
        ).one()
        waiting = connection.execute(
            select(func.count()).where(messages.c.status == "pending")
        ).scalar_one()
    return bool(started < instances or live or waiting)


def _decisions(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(journeys.c.key, messages.c.status, messages.c.reason, messages.c.profile_id)
            .select_from(messages.join(journeys, journeys.c.id == messages.c.journey_id))
            .where(journeys.c.key.in_(["cart", "winback"]))
        ).all()
    per_profile = Counter(profile for _, status, _, profile in rows if status == "delivered")
    reasons = Counter(
        f"{key}:{status}" + (f":{reason}" if reason else "") for key, status, reason, _ in rows
    )
    return {
        "competing_messages_max_per_profile": max(per_profile.values(), default=0),
        "competing_profiles_messaged": len(per_profile),
        "competing_decisions": dict(sorted(reasons.items())),
    }


def dispatch_rate(url: str, customers: int, policy: dict[str, Any] | None) -> float:
    """Messages/s of the dispatcher alone over 2 x `customers` due messages."""
    engine = connect(url)
    upgrade(engine)
    clock = SystemClock()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "dispatch", clock)
        if policy is not None:
            save_policy(connection, workspace_id, parse_policy(policy))
        for definition in competing(1):
            immediate = {**definition, "start": next(iter(reversed(definition["nodes"])))}
            immediate["nodes"] = {immediate["start"]: definition["nodes"][immediate["start"]]}
            immediate.pop("goal", None)
            apply_journey(
                connection, workspace_id, parse_journey(immediate), clock.now(), publish_it=True
            )
    now = clock.now()
    raw = [
        {"type": "track", "userId": f"d{n}", "event": "Product Added", "messageId": f"d-{n}"}
        for n in range(customers)
    ]
    store_messages(
        engine, workspace_id, [parse_message(m, received_at=now, ip=None, size=100) for m in raw]
    )
    while process_pending(engine, clock, "US"):
        pass
    while process_inbox(engine, clock):
        pass
    began = time.perf_counter()
    decided, rng = 0, random.Random(3)
    while moved := dispatch_due(engine, clock, rng):
        decided += moved
    seconds = time.perf_counter() - began
    engine.dispose()
    return decided / seconds


def backtest_throughput(url: str, total: int) -> dict[str, Any]:
    """Store `total` events directly (already resolved to profiles), then backtest."""
    engine = connect(url)
    upgrade(engine)
    clock = ManualClock(SystemClock().now())
    start = clock.now() - timedelta(days=30)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "backtest", clock)
    customers = max(1, total // 10)
    rng = random.Random(5)
    profile_rows = [
        {
            "id": f"prof_bt{n:012d}",
            "workspace_id": workspace_id,
            "merged_into": None,
            "traits": {"email": f"c{n}@example.com"},
            "trait_versions": {},
            "first_seen": start,
            "last_seen": start,
            "event_count": 10,
            "computed": None,
            "created_at": start,
            "updated_at": start,
        }
        for n in range(customers)
    ]
    with write_transaction(engine) as connection:
        executemany_fast(connection, profiles.insert(), profile_rows)
    rows: list[dict[str, Any]] = []
    written = 0
    for n in range(customers):
        at = start + timedelta(seconds=rng.randrange(29 * 86400))
        for kind in _shopping(rng):
            at += timedelta(minutes=rng.randrange(1, 90))
            rows.append(_event(workspace_id, f"prof_bt{n:012d}", kind, at, written))
            written += 1
        if len(rows) >= 50_000 or n == customers - 1:
            with write_transaction(engine) as connection:
                executemany_fast(connection, events.insert(), rows)
            rows = []
    journey = _viewed_cart()
    with write_transaction(engine) as connection:
        save_draft(connection, workspace_id, parse_journey(journey), clock.now())
    with engine.connect() as connection:
        found = get_journey(connection, workspace_id, "cart-backtest")
        began = time.perf_counter()
        report = backtest(connection, workspace_id, found, 1, start, clock.now(), sample=0)
        seconds = time.perf_counter() - began
    engine.dispose()
    return {
        "backtest_events_stored": written,
        "backtest_events_replayed": report["events_replayed"],
        "backtest_entered": report["entered"],
        "backtest_s": round(seconds, 2),
        "backtest_events_per_s": round(written / seconds),
    }


def _shopping(rng: random.Random) -> list[str]:
    """Ten events of one customer: views, one or two carts, an order three times in ten."""
    kinds = ["Product Viewed"] * 7 + ["Product Added"] * 2
    rng.shuffle(kinds)
    return [*kinds, "Order Completed" if rng.random() < 0.3 else "Product Viewed"]


def _event(workspace_id: str, profile_id: str, kind: str, at: Any, n: int) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "message_id": f"bt-{n}",
        "type": "track",
        "event": kind,
        "timestamp": at,
        "received_at": at,
        "properties": {"sku": f"s{n % 500}", "price": 10 + n % 90},
        "profile_id": profile_id,
    }


def _viewed_cart() -> dict[str, Any]:
    return {
        "key": "cart-backtest",
        "name": "Cart (backtest)",
        "trigger": {"event": "Product Added"},
        "goal": {"event": "Order Completed"},
        "start": "wait",
        "nodes": {
            "wait": {
                "type": "wait_for_event",
                "event": "Order Completed",
                "timeout": "1h",
                "timeout_next": "keen",
            },
            "keen": {
                "type": "branch",
                "cases": [
                    {
                        "when": {
                            "event": "Product Viewed",
                            "count": {"at_least": 3},
                            "window": {"last": "7d"},
                        },
                        "next": "email",
                    }
                ],
                "default": "later",
            },
            "email": {"type": "message", "channel": "email", "template": "cart", "next": "later"},
            "later": {"type": "delay", "duration": "1d", "next": "again"},
            "again": {"type": "message", "channel": "email", "template": "cart-2"},
        },
    }
