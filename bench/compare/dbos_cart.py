"""The cart workload on DBOS Transact: one durable workflow per customer waits for the
order with `DBOS.recv(timeout_seconds=wait)` and records a reminder when none came.
Customers start through `DBOS.start_workflow` one after another (as events arrive);
30% get their order through `DBOS.send` right after all have started, as in
bench/journeys.py. Prints one JSON line.

    python -m bench.compare.dbos_cart --url postgresql://... --customers 20000 --wait 5
"""

from __future__ import annotations

import argparse
import time

import orjson
import psycopg
from dbos import DBOS, SetWorkflowID

from bench.compare.shared import RESULTS, converters, figures

URL = ""


@DBOS.step()
def started_at() -> float:
    return time.time()


@DBOS.step()
def remind(customer: str, due: float) -> None:
    with psycopg.connect(URL, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO reminders VALUES (%s, %s, %s)", (customer, due, time.time())
        )


@DBOS.workflow()
def cart(customer: str, wait: float) -> str:
    due = started_at() + wait
    if DBOS.recv("order", timeout_seconds=wait) is not None:
        return "ordered"
    remind(customer, due)
    return "reminded"


def main() -> None:
    global URL
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--wait", type=float, default=5)
    parser.add_argument("--pool", type=int, default=20, help="system database connections")
    parser.add_argument("--start", choices=["direct", "queue"], default="direct",
                        help="start_workflow, or enqueue on a DBOS queue")  # fmt: skip
    options = parser.parse_args()
    URL = options.url
    with psycopg.connect(URL, autocommit=True) as connection:
        connection.execute(RESULTS)
    DBOS(config={"name": "cart-bench", "system_database_url": URL, "log_level": "WARNING",
                 "sys_db_pool_size": options.pool})  # fmt: skip
    DBOS.launch()
    carts = DBOS.register_queue("carts", polling_interval_sec=0.1)
    buyers = converters(options.customers)
    began = time.time()
    handles = []
    for n in range(options.customers):
        with SetWorkflowID(f"cart-{n}"):
            if options.start == "queue":
                handles.append(carts.enqueue(cart, f"c{n}", options.wait))
            else:
                handles.append(DBOS.start_workflow(cart, f"c{n}", options.wait))
    starts_s = time.time() - began
    for n in sorted(buyers):
        DBOS.send(f"cart-{n}", "paid", topic="order")
    for handle in handles:
        handle.get_result()
    total_s = time.time() - began
    DBOS.destroy()
    result = {"system": "DBOS Transact 3.4.0", **figures(URL, options.customers, buyers,
                                                         starts_s, total_s)}  # fmt: skip
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
