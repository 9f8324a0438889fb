"""Ingestion benchmark: real `baton serve`, real HTTP, concurrent clients.

Sends N events (realistic e-commerce shapes, ~20% identify) as batches from several client
processes, then single `/v1/track` calls at a fixed rate. Prints one JSON line:
accepted events/s, processed-into-profiles events/s, batch request latency p50/p99,
single-call latency p50/p99 at the given rate, and the server's peak RSS.

    python -m bench.ingest --database sqlite --events 200000
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import random
import statistics
import threading
import time
from typing import Any

import orjson
import psutil

from bench.harness import AUTH, database, free_port, percentile, server, wait_resolved

PRODUCTS = [
    (f"sku-{n}", round(5 + n * 3.7 % 180, 2), cat)
    for n, cat in enumerate(["shoes", "bags", "hats", "coats"] * 25)
]
EVENTS = ["Product Viewed"] * 6 + ["Product Added"] * 2 + ["Checkout Started", "Order Completed"]


def realistic_message(rng: random.Random, number: int, people: int) -> dict[str, Any]:
    person = rng.randrange(people)
    device = f"anon-{person}-{rng.randrange(3)}"
    known = rng.random() < 0.6
    context = {
        "library": {"name": "analytics.js", "version": "next-1.70.0"},
        "page": {
            "path": "/products",
            "url": "https://shop.example/products",
            "referrer": "https://search.example/",
        },
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0",
        "locale": "en-US",
        "ip": "198.51.100.7",
    }
    message: dict[str, Any] = {
        "messageId": f"bench-{number}",
        "anonymousId": device,
        "context": context,
    }
    if known:
        message["userId"] = f"user-{person}"
    if rng.random() < 0.2:
        message.update(
            type="identify",
            traits={
                "email": f"Person.{person}@Example.com",
                "firstName": f"P{person}",
                "plan": rng.choice(["free", "pro"]),
            },
        )
        message["userId"] = f"user-{person}"
        return message
    sku, price, category = rng.choice(PRODUCTS)
    name = rng.choice(EVENTS)
    properties: dict[str, Any] = {
        "product_id": sku,
        "price": price,
        "category": category,
        "currency": "USD",
    }
    if name == "Order Completed":
        properties = {
            "order_id": f"o-{number}",
            "revenue": price,
            "total": price,
            "products": [{"product_id": sku, "price": price, "quantity": 1}],
        }
    message.update(type="track", event=name, properties=properties)
    return message


def client_worker(args: tuple[int, int, int, int, int, str, Any]) -> list[float]:
    worker, workers, events, batch_size, people, port, start_at = args
    rng = random.Random(worker)
    numbers = range(worker, events, workers)
    bodies = []
    chunk: list[dict[str, Any]] = []
    for number in numbers:
        chunk.append(realistic_message(rng, number, people))
        if len(chunk) == batch_size:
            bodies.append(orjson.dumps({"batch": chunk}))
            chunk = []
    if chunk:
        bodies.append(orjson.dumps({"batch": chunk}))
    latencies = []
    connection = http.client.HTTPConnection("127.0.0.1", int(port))
    while time.time() < start_at:
        time.sleep(0.001)
    for body in bodies:
        began = time.perf_counter()
        connection.request("POST", "/v1/batch", body, {**AUTH, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"batch rejected: {response.status}")
        latencies.append(time.perf_counter() - began)
    return latencies


def single_calls(port: int, rate: int, seconds: float) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    latencies = []
    interval = 1 / rate
    began = time.perf_counter()
    for number in range(int(rate * seconds)):
        due = began + number * interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        body = orjson.dumps(
            {
                "userId": f"single-{number % 500}",
                "event": "Product Viewed",
                "properties": {"n": number},
            }
        )
        sent = time.perf_counter()
        connection.request("POST", "/v1/track", body, {**AUTH, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        latencies.append(time.perf_counter() - sent)
    return latencies


def _workers() -> list[psutil.Process]:
    """`baton worker` processes this bench started itself."""
    found = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.NoSuchProcess):  # a client process that ended
            if {"baton", "worker"} <= set(child.cmdline()):
                found.append(child)
    return found


def _role(process: psutil.Process) -> str:
    """`api`, or a worker named by its stages (`worker identity+builds+...`)."""
    command = process.cmdline()
    stages = [command[i + 1] for i, word in enumerate(command[:-1]) if word == "--stage"]
    if "baton.cli.worker" in command or "worker" in command:
        return f"worker {'+'.join(stages) or 'all'} ({process.pid})"
    return "api"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--mode",
        choices=["process", "thread", "off", "none"],
        default="process",
        help="`baton serve --processor MODE`; with off, the bench starts a `baton worker`; "
        "none measures the API alone (nothing processed, no processed rate)",
    )
    parser.add_argument("--single-rate", type=int, default=200)
    parser.add_argument("--single-seconds", type=float, default=5)
    options = parser.parse_args()
    people = max(10, options.events // 20)
    port = free_port()
    with database(options.database) as url, server(url, port, options.mode) as process:
        peak_rss = 0
        peak_by_process: dict[str, int] = {}
        sampling = True

        def sample() -> None:
            nonlocal peak_rss
            watched = psutil.Process(process.pid)
            while sampling:
                # With --mode off the worker is the bench's child, not the server's.
                family = [watched, *watched.children(recursive=True), *_workers()]
                sizes = {_role(p): p.memory_info().rss for p in family}
                peak_rss = max(peak_rss, sum(sizes.values()))
                for role, size in sizes.items():
                    peak_by_process[role] = max(peak_by_process.get(role, 0), size)
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start_at = time.time() + 3  # time for the clients to build their batches
        jobs = [
            (w, options.clients, options.events, options.batch_size, people, str(port), start_at)
            for w in range(options.clients)
        ]
        with multiprocessing.Pool(options.clients) as pool:
            results = pool.map(client_worker, jobs)
        accepted_seconds = time.time() - start_at
        if options.mode != "none":
            wait_resolved(port, 3600)
        processed_seconds = time.time() - start_at
        singles = single_calls(port, options.single_rate, options.single_seconds)
        sampling = False
        sampler.join()
    batch_latencies = [latency for result in results for latency in result]
    print(
        orjson.dumps(
            {
                "bench": "ingest",
                "database": options.database,
                "mode": options.mode,
                "events": options.events,
                "batch_size": options.batch_size,
                "clients": options.clients,
                "accepted_events_per_s": round(options.events / accepted_seconds),
                "processed_events_per_s": None
                if options.mode == "none"
                else round(options.events / processed_seconds),
                "batch_latency_ms_p50": round(statistics.median(batch_latencies) * 1000, 2),
                "batch_latency_ms_p99": round(percentile(batch_latencies, 0.99) * 1000, 2),
                "single_track_rate_per_s": options.single_rate,
                "single_track_ms_p50": round(statistics.median(singles) * 1000, 2),
                "single_track_ms_p99": round(percentile(singles, 0.99) * 1000, 2),
                "server_peak_rss_mb": round(peak_rss / 2**20, 1),
                "peak_rss_mb_by_process": {
                    role: round(size / 2**20, 1) for role, size in sorted(peak_by_process.items())
                },
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
