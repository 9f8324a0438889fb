"""The cart workload as a team would first write it on PostgreSQL, with Baton's rules.

Events are accepted into an `inbox` table in transactions of 100, as Baton's `/v1/batch`
takes them (`--batch 1`: one by one, too slow here for 20,000 customers' orders to come
within their wait). Worker threads claim inbox rows in order `FOR UPDATE SKIP LOCKED`: a
`Product Added` opens a cart due `wait` seconds after it is seen, an `Order Completed` is
recorded in `orders`. The same threads claim due carts `FOR UPDATE SKIP LOCKED` (indexed, 500 a
round, 100 ms naps when idle) and, in that transaction, remind those without an order
accepted by their due time. As in Baton, timers do not fire past an event accepted but
not yet consumed, so an order in the backlog holds the reminders due after it: no buyer
is reminded, nobody twice. Prints one JSON line.

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
CREATE TABLE inbox (
    seq BIGSERIAL PRIMARY KEY, customer TEXT NOT NULL, event TEXT NOT NULL,
    accepted_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE carts (
    customer TEXT PRIMARY KEY, started_at DOUBLE PRECISION NOT NULL,
    due_at DOUBLE PRECISION NOT NULL, settled BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX carts_due ON carts (due_at) WHERE NOT settled;
CREATE TABLE orders (customer TEXT NOT NULL, accepted_at DOUBLE PRECISION NOT NULL);
CREATE INDEX orders_customer ON orders (customer);
"""
ACCEPT = "INSERT INTO inbox (customer, event, accepted_at) VALUES (%s, %s, %s)"
# One statement: the claimed events leave the inbox, open carts and record orders.
CONSUME = """
WITH claimed AS (
    DELETE FROM inbox WHERE seq IN (
        SELECT seq FROM inbox ORDER BY seq LIMIT 500 FOR UPDATE SKIP LOCKED
    ) RETURNING customer, event, accepted_at
), started AS (
    INSERT INTO carts (customer, started_at, due_at)
    SELECT customer, %(now)s, %(now)s + %(wait)s FROM claimed WHERE event = 'Product Added'
    ON CONFLICT DO NOTHING
), ordered AS (
    INSERT INTO orders SELECT customer, accepted_at FROM claimed
    WHERE event = 'Order Completed'
)
SELECT count(*) FROM claimed
"""
# Due no later than the oldest event still in the inbox (claimed by a worker whose
# transaction is under way or not), so an order accepted in time is always seen.
FIRE = """
WITH due AS (
    SELECT customer, due_at FROM carts
    WHERE NOT settled AND due_at <= LEAST(%(now)s, (SELECT min(accepted_at) FROM inbox))
    ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED
), settled AS (
    UPDATE carts SET settled = true FROM due WHERE carts.customer = due.customer
), reminded AS (
    INSERT INTO reminders SELECT customer, due_at, %(now)s FROM due
    WHERE NOT EXISTS (
        SELECT 1 FROM orders
        WHERE orders.customer = due.customer AND orders.accepted_at <= due.due_at
    )
)
SELECT count(*) FROM due
"""


def work(url: str, wait: float, stop: threading.Event) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        while not stop.is_set():
            moved = 0
            for statement in (CONSUME, FIRE):
                found = connection.execute(statement, {"now": time.time(), "wait": wait})
                moved += found.fetchone()[0]  # type: ignore[index]
            if not moved:
                time.sleep(0.1)


def accept(connection: psycopg.Connection, events: list[tuple[str, str]], batch: int) -> None:
    """Events in transactions of `batch`, each stamped when its transaction began."""
    for start in range(0, len(events), batch):
        with connection.transaction(), connection.cursor() as cursor:
            now = time.time()
            cursor.executemany(ACCEPT, [(*event, now) for event in events[start : start + batch]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--wait", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100, help="events per accepting transaction")
    options = parser.parse_args()
    with psycopg.connect(options.url, autocommit=True) as connection:
        connection.execute(RESULTS)
        connection.execute(SCHEMA)
    stop = threading.Event()
    workers = [
        threading.Thread(target=work, args=(options.url, options.wait, stop))
        for _ in range(options.workers)
    ]
    for worker in workers:
        worker.start()
    buyers = converters(options.customers)
    began = time.time()
    with psycopg.connect(options.url, autocommit=True) as connection:
        accept(connection, [(f"c{n}", "Product Added") for n in range(options.customers)],
               options.batch)  # fmt: skip
        accept(connection, [(f"c{n}", "Order Completed") for n in sorted(buyers)], options.batch)
        while connection.execute(
            "SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM carts WHERE NOT settled)"
        ).fetchone() != (0,):
            time.sleep(0.05)
        last_start = connection.execute("SELECT max(started_at) FROM carts").fetchone()
    total_s = time.time() - began
    stop.set()
    for worker in workers:
        worker.join()
    assert last_start is not None
    system = "PostgreSQL poller (SKIP LOCKED)"
    if options.batch != 100:
        system += f" (batches of {options.batch})"
    result = {"system": system,
              **figures(options.url, options.customers, buyers, last_start[0] - began,
                        total_s)}  # fmt: skip
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
