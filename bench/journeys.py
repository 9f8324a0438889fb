"""Journey benchmark: the cart-abandonment workload through a real `baton serve`.

N customers each send `Product Added`, which starts one instance keyed by customer; each
waits D seconds for `Order Completed`; 30% send it (after all the carts) and must get
nothing, unless their order came after the reminder was due (counted apart: on a slow
run the last orders arrive more than D seconds after the first carts started); the rest
get exactly one message. Then an immediate-message journey measures event ->
message latency at a steady rate of single `/v1/track` calls. Separately, the journey
engine alone (its inbox filled beforehand) measures instance starts/s, and on PostgreSQL
a million waiting instances measure the bytes each one costs. Prints one JSON line.

    python -m bench.journeys --database postgresql --customers 20000 --wait 5
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import time
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Engine, Join, func, select, text

from baton.channels.outbox import DELIVERED, PENDING, SENDING
from baton.core.clock import SystemClock
from baton.identity.processor import process_pending
from baton.ingest import parse_message, store_messages
from baton.journeys.definitions import parse_journey
from baton.journeys.files import apply_journey
from baton.journeys.runner import Batch, process_inbox
from baton.segments.values import parse_instant
from baton.storage.database import connect, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import (
    events,
    journey_instances,
    journey_steps,
    journeys,
    messages,
)
from baton.workspaces import create_workspace, default_workspace_id
from bench import orchestration
from bench.harness import (
    ADMIN_TOKEN,
    AUTH,
    POLL_SECONDS,
    database,
    free_port,
    pending,
    percentile,
    server,
    wait_resolved,
)

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}


def cart_journey(wait_seconds: int) -> dict[str, Any]:
    return {
        "key": "cart",
        "name": "Cart abandonment",
        "trigger": {"event": "Product Added"},
        "goal": {"event": "Order Completed"},
        "start": "wait",
        "nodes": {
            "wait": {
                "type": "wait_for_event",
                "event": "Order Completed",
                "correlate": "properties.cart_id",
                "timeout": f"{wait_seconds}s",
                "next": "done",
                "timeout_next": "remind",
            },
            "remind": {"type": "message", "channel": "email", "template": "cart", "next": "done"},
            "done": {"type": "exit"},
        },
    }


WELCOME = {
    "key": "welcome",
    "name": "Welcome",
    "trigger": {"event": "Signed Up"},
    "start": "hello",
    "nodes": {
        "hello": {"type": "message", "channel": "email", "template": "welcome", "next": "later"},
        "later": {"type": "delay", "duration": "2s", "next": "again"},
        "again": {"type": "message", "channel": "email", "template": "tips"},
    },
}


def _call(port: int, method: str, path: str, body: Any = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = None if body is None else orjson.dumps(body)
    connection.request(method, path, payload, ADMIN)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data!r}")
    return orjson.loads(data) if data else None


def _publish(port: int, definition: dict[str, Any]) -> None:
    _call(port, "PUT", f"/api/v1/journeys/{definition['key']}", definition)
    _call(port, "POST", f"/api/v1/journeys/{definition['key']}/publish")


def _send_batches(port: int, messages_: list[dict[str, Any]]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for start in range(0, len(messages_), 100):
        body = orjson.dumps({"batch": messages_[start : start + 100]})
        connection.request("POST", "/v1/batch", body, {**AUTH, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"batch rejected: {response.status}")


def cart_workload(url: str, customers: int, wait: int, rate: int, seconds: float) -> dict[str, Any]:
    port = free_port()
    rng = random.Random(7)
    converters = set(rng.sample(range(customers), int(customers * 0.3)))
    with server(url, port, "process"):
        _publish(port, cart_journey(wait))
        _publish(port, WELCOME)
        began = time.time()
        adds = [
            {"type": "track", "userId": f"c{n}", "event": "Product Added",
             "properties": {"cart_id": f"k{n}", "price": 20}, "messageId": f"add-{n}"}
            for n in range(customers)
        ]  # fmt: skip
        _send_batches(port, adds)
        orders = [
            {"type": "track", "userId": f"c{n}", "event": "Order Completed",
             "properties": {"cart_id": f"k{n}"}, "messageId": f"order-{n}"}
            for n in sorted(converters)
        ]  # fmt: skip
        _send_batches(port, orders)
        engine = connect(url)
        expected = customers - len(converters)
        deadline = time.time() + 600
        wait_resolved(port, deadline - time.time())
        # Buyers whose order came after their reminder was due get one too: the last
        # reminders are out when every cart has been reminded or has ended without one.
        while (
            pending(port)
            or _live(engine)
            or _delivered(engine, "cart") < expected
            or _messages(engine, "cart", (PENDING, SENDING))
        ):
            if time.time() > deadline:
                raise SystemExit("the cart workload did not finish")
            time.sleep(POLL_SECONDS)
        total_seconds = time.time() - began
        time.sleep(3)  # let the burst's aftermath (checkpoints, statistics) pass
        latencies = _steady_signups(port, engine, rate, seconds)
        cart = _cart_outcome(engine)
        lags = _timer_lags(engine, "cart")
        steady_lags = _timer_lags(engine, "welcome")
        engine.dispose()
    last_start = cart.pop("_last_start_s")
    return {
        **cart,
        "total_s": round(total_seconds, 2),
        "end_to_end_starts_per_s": round(customers / last_start),
        "timer_lag_ms_p50": round(percentile(lags, 0.50) * 1000, 1),
        "timer_lag_ms_p95": round(percentile(lags, 0.95) * 1000, 1),
        "timer_lag_ms_p99": round(percentile(lags, 0.99) * 1000, 1),
        "timer_lag_ms_max": round(max(lags) * 1000, 1),
        "steady_timer_lag_ms_p50": round(percentile(steady_lags, 0.50) * 1000, 1),
        "steady_timer_lag_ms_p99": round(percentile(steady_lags, 0.99) * 1000, 1),
        "event_to_message_rate_per_s": rate,
        "event_to_message_ms_p50": round(statistics.median(latencies) * 1000, 1),
        "event_to_message_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
    }


def _live(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(journey_instances.c.ended_at.is_(None))
        return int(connection.execute(query).scalar_one())


def _delivered(engine: Engine, key: str, template: str | None = None) -> int:
    return _messages(engine, key, (DELIVERED,), template)


def _messages(
    engine: Engine, key: str, statuses: tuple[str, ...], template: str | None = None
) -> int:
    """How many of the journey's messages are in one of `statuses`."""
    with engine.connect() as connection:
        query = (
            select(func.count())
            .select_from(messages.join(journeys, journeys.c.id == messages.c.journey_id))
            .where(journeys.c.key == key, messages.c.status.in_(statuses))
        )
        if template is not None:
            query = query.where(messages.c.template == template)
        return int(connection.execute(query).scalar_one())


def _with_event(which: ColumnElement[bool]) -> Join:
    """Messages beside the events of their profile that `which` picks."""
    return messages.join(events, (events.c.profile_id == messages.c.profile_id) & which)


def _due_of(detail: dict[str, Any] | None) -> datetime | None:
    """When a fired timer was due, from its step's detail."""
    return parse_instant((detail or {}).get("due"))


def _cart_outcome(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        cart_id = connection.execute(select(journeys.c.id).where(journeys.c.key == "cart")).scalar()
        entered = journey_instances.c.entered_at
        starts = connection.execute(
            select(func.min(entered), func.max(entered), func.count()).where(
                journey_instances.c.journey_id == cart_id
            )
        ).one()
        first_event = connection.execute(
            select(func.min(events.c.received_at)).where(events.c.message_id.like("add-%"))
        ).scalar_one()
        sent = connection.execute(
            select(events.c.user_id, func.count())
            .select_from(_with_event(events.c.message_id.like("add-%")))
            .where(messages.c.journey_id == cart_id, messages.c.status == "delivered")
            .group_by(events.c.user_id)
        ).all()
        # Each reminder to a buyer, with when the order came and when the reminder was due.
        to_buyers = connection.execute(
            select(events.c.received_at, journey_steps.c.detail)
            .select_from(
                _with_event(events.c.message_id.like("order-%")).join(
                    journey_steps,
                    (journey_steps.c.instance_id == messages.c.instance_id)
                    & (journey_steps.c.action == "timer"),
                )
            )
            .where(messages.c.journey_id == cart_id, messages.c.status == "delivered")
        ).all()
    per_customer = {int(user_id[1:]): count for user_id, count in sent}
    first, last, started = starts
    # A reminder due before the order came is right (the buyer had not bought yet); one
    # due after it is a message to a buyer. The orders follow all the carts, so on a
    # slow run some come after their cart's reminder was due.
    due_before = sum(
        1 for ordered, detail in to_buyers if (due := _due_of(detail)) and ordered > due
    )
    return {
        "instances_started": started,
        "messages_sent": sum(per_customer.values()),
        "duplicates": sum(count - 1 for count in per_customer.values() if count > 1),
        "messages_to_converters": len(to_buyers) - due_before,
        "reminders_due_before_the_order": due_before,
        "pipeline_starts_per_s": round(started / max((last - first).total_seconds(), 1e-3)),
        "_last_start_s": (last - first_event).total_seconds(),
    }


def _timer_lags(engine: Engine, key: str) -> list[float]:
    """Actual minus due instant of every timer the journey's instances fired."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(journey_steps.c.at, journey_steps.c.detail)
            .select_from(
                journey_steps.join(
                    journey_instances, journey_instances.c.id == journey_steps.c.instance_id
                ).join(journeys, journeys.c.id == journey_instances.c.journey_id)
            )
            .where(journey_steps.c.action == "timer", journeys.c.key == key)
        ).all()
    lags = []
    for at, detail in rows:
        due = _due_of(detail)
        if due is not None:
            lags.append((at - due).total_seconds())
    return lags


def _steady_signups(port: int, engine: Engine, rate: int, seconds: float) -> list[float]:
    """Single `/v1/track` calls at `rate`; each latency runs from the call to delivery."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    sent_at: dict[str, float] = {}
    began = time.time()
    for number in range(int(rate * seconds)):
        delay = began + number / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        user = f"new-{number}"
        body = orjson.dumps({"userId": user, "event": "Signed Up"})
        sent_at[user] = time.time()
        connection.request("POST", "/v1/track", body, {**AUTH, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
    deadline = time.time() + 60
    while _delivered(engine, "welcome", "tips") < len(sent_at):
        if time.time() > deadline:
            raise SystemExit("welcome messages were not all delivered")
        time.sleep(0.05)
    with engine.connect() as connection_:
        rows = connection_.execute(
            select(events.c.user_id, messages.c.dispatched_at)
            .select_from(_with_event(events.c.event == "Signed Up"))
            .where(messages.c.template == "welcome")
        ).all()
    return [dispatched.timestamp() - sent_at[user] for user, dispatched in rows]


def engine_starts(url: str, customers: int) -> dict[str, Any]:
    """The journey engine alone: its inbox filled with `Product Added` beforehand."""
    engine = connect(url)
    upgrade(engine)
    clock = SystemClock()
    with write_transaction(engine) as connection:
        workspace_id = default_workspace_id(connection) or create_workspace(
            connection, "bench", clock, default=True
        )
        apply_journey(
            connection,
            workspace_id,
            parse_journey({**cart_journey(3600), "key": "cart-alone"}),
            clock.now(),
            publish_it=True,
        )
    raw = [
        {"type": "track", "userId": f"alone-{n}", "event": "Product Added",
         "properties": {"cart_id": f"a{n}"}, "messageId": f"alone-{n}"}
        for n in range(customers)
    ]  # fmt: skip
    now = clock.now()
    store_messages(
        engine, workspace_id, [parse_message(m, received_at=now, ip=None, size=100) for m in raw]
    )
    while process_pending(engine, clock, "US"):
        pass
    began = time.perf_counter()
    while process_inbox(engine, clock):
        pass
    seconds = time.perf_counter() - began
    engine.dispose()
    return {"engine_starts_per_s": round(customers / seconds)}


def waiting_footprint(url: str, count: int) -> dict[str, Any]:
    """Bytes per waiting instance: `count` instances started by the engine, all waiting."""
    engine = connect(url)
    clock = SystemClock()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "footprint", clock)
        applied = apply_journey(
            connection,
            workspace_id,
            parse_journey({**cart_journey(30 * 86400), "key": "waiting"}),
            clock.now(),
            publish_it=True,
        )
    journey_id = applied.journey.id
    trigger_of = {"event": "Product Added", "message_id": "", "properties": {}}
    chunk = 5000
    for start in range(0, count, chunk):
        with write_transaction(engine) as connection:
            batch = Batch(connection, workspace_id, clock.now())
            live = batch.live[journey_id]
            ids = [f"prof_footprint{n:016d}" for n in range(start, min(count, start + chunk))]
            batch.load_live(ids, lock=False)
            for n, profile_id in enumerate(ids, start):
                trigger = {
                    **trigger_of,
                    "message_id": f"footprint-{n}",
                    "properties": {"cart_id": f"k{n}", "price": 20},
                }
                batch.start(live, profile_id, trigger, clock.now())
            batch.flush()
    sizes = {}
    with engine.connect() as connection:
        for table in ("journey_instances", "journey_steps"):
            sizes[table] = int(
                connection.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar_one()
            )
        waiting = connection.execute(
            select(func.count()).where(
                journey_instances.c.journey_id == journey_id,
                journey_instances.c.wake_at.is_not(None),
            )
        ).scalar_one()
    engine.dispose()
    return {
        "waiting_instances": waiting,
        "bytes_per_waiting_instance": round(sum(sizes.values()) / waiting),
        "instance_bytes": round(sizes["journey_instances"] / waiting),
        "history_bytes": round(sizes["journey_steps"] / waiting),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--wait", type=int, default=5, help="seconds each instance waits")
    parser.add_argument("--rate", type=int, default=50, help="single events/s for latency")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--waiting", type=int, default=1_000_000, help="waiting instances (PostgreSQL only)"
    )
    parser.add_argument(
        "--backtest-events", type=int, default=1_000_000, help="stored events to backtest"
    )
    options = parser.parse_args()
    result: dict[str, Any] = {"bench": "journeys", "database": options.database}
    result["customers"] = options.customers
    result["wait_s"] = options.wait
    with database(options.database) as url:
        result.update(
            cart_workload(url, options.customers, options.wait, options.rate, options.seconds)
        )
    with database(options.database) as url:
        result.update(engine_starts(url, options.customers))
    with database(options.database) as url:
        result.update(
            orchestration.competing_workload(
                url, free_port(), _call, _send_batches, options.customers, options.wait
            )
        )
    rates = {}
    for name, policy in (("uncapped", None), ("capped", orchestration.CAP)):
        with database(options.database) as url:
            rates[name] = orchestration.dispatch_rate(url, options.customers, policy)
    result["dispatch_messages_per_s_uncapped"] = round(rates["uncapped"])
    result["dispatch_messages_per_s_capped"] = round(rates["capped"])
    result["arbitration_cost_pct"] = round(100 * (1 - rates["capped"] / rates["uncapped"]), 1)
    if options.backtest_events:
        with database(options.database) as url:
            result.update(orchestration.backtest_throughput(url, options.backtest_events))
    if options.database == "postgresql" and options.waiting:
        with database("postgresql") as url:
            engine = connect(url)
            upgrade(engine)
            engine.dispose()
            result.update(waiting_footprint(url, options.waiting))
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
