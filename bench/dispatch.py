"""Delivery throughput: `--emails` e-mails to a local SMTP server (aiosmtpd) and
`--webhooks` webhooks to a local HTTP server, each server in its own process, the
dispatcher in this one (as `baton worker` runs it).

Each provider refuses the first attempt of `--failures` of the messages (SMTP 451, HTTP
503), so retries are part of the run: once only retries are left, the dispatcher's clock
skips the backoff instead of sleeping it. Printed per channel, one JSON line each:
messages/s over the burst (all messages queued at once), retries, and enqueue ->
delivered latency p50/p99 for first-attempt deliveries, both in the burst (where it is
the wait in the queue) and at a steady `--paced` share of the burst rate.

Targets (issue 7, 2 cores): >= 1,000 e-mails/s, >= 3,000 webhooks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import threading
import time
import zlib
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, func, insert, select

from baton.channels.dispatch import dispatch_due
from baton.channels.outbox import NewMessage, enqueue
from baton.channels.settings import EmailSettings, WebhookSettings, save_settings
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import SystemClock
from baton.storage.database import connect, executemany_fast, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import message_attempts, messages, profiles
from baton.workspaces import create_workspace
from bench.harness import database, free_port, percentile


def _fails(key: str, share: float) -> bool:
    return zlib.crc32(key.encode()) % 10_000 < share * 10_000


def _serve_http(port: int, share: float) -> None:
    """A keep-alive HTTP/1.1 server: 200, or 503 on the first call of `share` of keys."""
    refused: set[str] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length, key = 0, ""
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"idempotency-key":
                    key = value.strip().decode()
            await reader.readexactly(length)
            status = b"200 OK"
            if _fails(key, share) and key not in refused:
                refused.add(key)
                status = b"503 Service Unavailable"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()

    async def main() -> None:
        async def guarded(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                await handle(r, w)
            except (asyncio.IncompleteReadError, ConnectionError):
                w.close()

        server = await asyncio.start_server(guarded, "127.0.0.1", port, backlog=1024)
        await server.serve_forever()

    asyncio.run(main())


def _serve_smtp(port: int, share: float) -> None:
    """aiosmtpd accepting everything but the first try of `share` of recipients (451)."""
    from aiosmtpd.controller import Controller

    refused: set[str] = set()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            (to,) = envelope.rcpt_tos
            if _fails(to, share) and to not in refused:
                refused.add(to)
                return "451 4.3.0 try again later"
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    threading.Event().wait()


class SkippingClock(SystemClock):
    """The system clock, which can be moved ahead (to skip retry backoffs)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.ahead


def _setup(engine: Engine, port: int, customers: int) -> str:
    clock = SystemClock()
    now = clock.now()
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "dispatch bench", clock)
        email = EmailSettings(url=f"smtp://127.0.0.1:{port}", sender="Shop <shop@acme.example>",
                              security="none", links_url="https://baton.acme.example",
                              allow=["127.0.0.1"])  # fmt: skip
        save_settings(connection, workspace_id, "email", email, now)
        save_settings(connection, workspace_id, "webhook",
                      WebhookSettings(allow=["127.0.0.1"], timeout="5s"), now)  # fmt: skip
        template = {
            "key": "cart", "channel": "email",
            "subject": "{{ profile.traits.firstName }}, your cart is waiting",
            "html": "<p>Hi {{ profile.traits.firstName }}, your <b>{{ event.properties.name }}</b>"
                    ' is still in your <a href="https://shop.example/cart">cart</a>.</p>',
        }  # fmt: skip
        save_template(connection, workspace_id, parse_template(template), now)
        rows = [
            {"id": f"prof_b{i:07d}", "workspace_id": workspace_id, "merged_into": None,
             "traits": {"email": f"c{i}@shop.example", "firstName": f"C{i}"},
             "trait_versions": {}, "event_count": 0, "created_at": now, "updated_at": now}
            for i in range(customers)
        ]  # fmt: skip
        for start in range(0, len(rows), 5000):
            executemany_fast(connection, insert(profiles), rows[start : start + 5000])
    return workspace_id


def _new(workspace_id: str, channel: str, i: int, port: int, tag: str, customer: int) -> NewMessage:
    trigger = {"event": "Product Added", "properties": {"name": "Lamp", "sku": f"s{i}"}}
    payload: dict[str, Any] = {"trigger": trigger}
    if channel == "webhook":
        body = {"sku": "{{ event.properties.sku }}", "who": "{{ profile.id }}"}
        payload.update(url=f"http://127.0.0.1:{port}/hook", method="POST", headers={}, body=body)
    return NewMessage(
        workspace_id, f"prof_b{customer:07d}", None, None, None, None, channel,
        "cart" if channel == "email" else None, None, f"{tag}:{channel}:{i}", payload,
        transactional=True,
    )  # fmt: skip


def _drain(
    engine: Engine, clock: SkippingClock, stop: threading.Event | None = None, skip: bool = True
) -> None:
    """Dispatch until nothing is left (or `stop`). Once only retries wait (every first
    attempt made), skip their backoff (`skip`) or stop (a helper)."""
    unsent = messages.c.status.in_(["pending", "sending"])
    first_tries = select(func.count()).where(
        unsent, (messages.c.attempts == 0) | (messages.c.status == "sending")
    )
    retries = select(func.count()).where(unsent)
    rng = random.Random(3)
    while stop is None or not stop.is_set():
        if dispatch_due(engine, clock, rng):
            continue
        with engine.connect() as connection:
            fresh = connection.execute(first_tries).scalar_one()
            left = connection.execute(retries).scalar_one() if fresh == 0 else fresh
        if stop is None and (left == 0 or (fresh == 0 and not skip)):
            return
        if stop is None and fresh == 0:
            clock.ahead += timedelta(hours=1)
        time.sleep(0.001 if left else 0.01)


def _latencies(engine: Engine, tag: str) -> list[float]:
    """ms from enqueue to delivery, for messages delivered on their first attempt."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(messages.c.created_at, message_attempts.c.at)
            .join(message_attempts, message_attempts.c.message_id == messages.c.id)
            .where(messages.c.idempotency_key.like(f"{tag}:%"), messages.c.attempts == 1,
                   message_attempts.c.outcome == "delivered")
        ).all()  # fmt: skip
    return [(at - created).total_seconds() * 1000 for created, at in rows]


def _helper(url: str) -> None:
    """Another dispatcher process (`baton worker --stage delivery`), until the burst is out."""
    engine = connect(url, sync_every_commit=False)
    _drain(engine, SkippingClock(), skip=False)
    engine.dispose()


def run(url: str, channel: str, count: int, failures: float, paced: float, workers: int
        ) -> dict[str, Any]:  # fmt: skip
    port = free_port()
    target = _serve_smtp if channel == "email" else _serve_http
    provider = multiprocessing.Process(target=target, args=(port, failures), daemon=True)
    provider.start()
    engine = connect(url, sync_every_commit=False)
    upgrade(engine)
    workspace_id = _setup(engine, port, count)
    time.sleep(0.5)  # the provider's process is listening by now
    clock = SkippingClock()
    with write_transaction(engine) as connection:
        burst = [_new(workspace_id, channel, i, port, "burst", i) for i in range(count)]
        for start in range(0, count, 5000):
            enqueue(connection, burst[start : start + 5000], clock.now())
    began = time.perf_counter()
    helpers = [multiprocessing.Process(target=_helper, args=(url,)) for _ in range(workers - 1)]
    for helper in helpers:
        helper.start()
    _drain(engine, clock)
    for helper in helpers:
        helper.join()
    seconds = time.perf_counter() - began
    with engine.connect() as connection:
        retries = connection.execute(
            select(func.count()).where(message_attempts.c.outcome == "retry")
        ).scalar_one()
        delivered = connection.execute(
            select(func.count()).where(messages.c.status == "delivered")
        ).scalar_one()
    in_burst = _latencies(engine, "burst")
    rate = count / seconds
    steady = _paced(engine, workspace_id, channel, port, rate * paced, clock)
    provider.kill()
    engine.dispose()
    return {
        "bench": "dispatch",
        "channel": channel,
        "messages": count,
        "workers": workers,
        "delivered": delivered,
        "seconds": round(seconds, 2),
        "messages_per_s": round(rate),
        "retries": retries,
        "burst_p50_ms": round(percentile(in_burst, 0.5)),
        "burst_p99_ms": round(percentile(in_burst, 0.99)),
        "paced_per_s": round(rate * paced),
        "paced_p50_ms": round(percentile(steady, 0.5), 1),
        "paced_p99_ms": round(percentile(steady, 0.99), 1),
    }


def _paced(engine: Engine, workspace_id: str, channel: str, port: int, rate: float,
           clock: SkippingClock, seconds: float = 10) -> list[float]:  # fmt: skip
    """Enqueue at `rate` per second in ticks of 50 ms while a dispatcher runs."""
    stop = threading.Event()
    dispatcher = threading.Thread(target=_drain, args=(engine, clock, stop))
    dispatcher.start()
    per_tick, n, rng = rate / 20, 0, random.Random(5)
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        tick = [_new(workspace_id, channel, n + i, port, "paced", rng.randrange(1000))
                for i in range(max(1, round(per_tick)))]  # fmt: skip
        n += len(tick)
        with write_transaction(engine) as connection:
            enqueue(connection, tick, clock.now())
        time.sleep(0.05)
    time.sleep(1)
    stop.set()
    dispatcher.join()
    return _latencies(engine, "paced")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--emails", type=int, default=50_000)
    parser.add_argument("--webhooks", type=int, default=50_000)
    parser.add_argument("--failures", type=float, default=0.01, help="share refused once")
    parser.add_argument("--paced", type=float, default=0.5, help="share of the burst rate")
    parser.add_argument("--workers", type=int, default=2, help="dispatcher processes")
    options = parser.parse_args()
    for channel, count in (("email", options.emails), ("webhook", options.webhooks)):
        if count:
            with database(options.database) as url:
                result = run(url, channel, count, options.failures, options.paced, options.workers)
            print(orjson.dumps({"database": options.database, **result}).decode(), flush=True)


if __name__ == "__main__":
    main()
