"""The cart workload as a team would first write it on PostgreSQL: a `carts` row per
customer with its due time, orders flagging the row, and worker threads polling for due
rows with `FOR UPDATE SKIP LOCKED` (indexed, 500 a round, 100 ms naps when idle) and
recording the reminder in the same transaction. Starts are one INSERT each, as events
arrive; 30% of the orders follow right after. Prints one JSON line.

    python -m bench.compare.poller --url postgresql://... --customers 20000 --wait 5
"""

from __future__ import annotations

import argparse
import threading
import time

import orjson
import psycopg

from bench.compare.shared import RESULTS, converters, figures

SCHEMA = """
CREATE TABLE carts (
    customer TEXT PRIMARY KEY, due_at DOUBLE PRECISION NOT NULL,
    ordered BOOLEAN NOT NULL DEFAULT false, reminded BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX carts_due ON carts (due_at) WHERE NOT reminded AND NOT ordered;
"""
DUE = """
SELECT customer, due_at FROM carts
WHERE NOT reminded AND NOT ordered AND due_at <= %s
ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED
"""


def poll(url: str, stop: threading.Event) -> None:
    with psycopg.connect(url) as connection:
        while not stop.is_set():
            with connection.transaction():
                due = connection.execute(DUE, (time.time(),)).fetchall()
                if due:
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO reminders VALUES (%s, %s, %s)",
                            [(customer, at, time.time()) for customer, at in due],
                        )
                    connection.execute(
                        "UPDATE carts SET reminded = true WHERE customer = ANY(%s)",
                        ([customer for customer, _ in due],),
                    )
            if not due:
                time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--wait", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    with psycopg.connect(options.url, autocommit=True) as connection:
        connection.execute(RESULTS)
        connection.execute(SCHEMA)
    stop = threading.Event()
    workers = [
        threading.Thread(target=poll, args=(options.url, stop)) for _ in range(options.workers)
    ]
    for worker in workers:
        worker.start()
    buyers = converters(options.customers)
    began = time.time()
    with psycopg.connect(options.url, autocommit=True) as connection:
        for n in range(options.customers):
            connection.execute(
                "INSERT INTO carts (customer, due_at) VALUES (%s, %s)",
                (f"c{n}", time.time() + options.wait),
            )
        starts_s = time.time() - began
        for n in sorted(buyers):
            connection.execute("UPDATE carts SET ordered = true WHERE customer = %s", (f"c{n}",))
        while connection.execute(
            "SELECT count(*) FROM carts WHERE NOT reminded AND NOT ordered"
        ).fetchone() != (0,):
            time.sleep(0.05)
    total_s = time.time() - began
    stop.set()
    for worker in workers:
        worker.join()
    result = {"system": "PostgreSQL poller (SKIP LOCKED)",
              **figures(options.url, options.customers, buyers, starts_s, total_s)}  # fmt: skip
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
