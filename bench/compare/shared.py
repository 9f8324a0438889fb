"""What the peers' runs share: the workload's customers, a results table, the figures."""

from __future__ import annotations

import random
from typing import Any

import psycopg

from bench.harness import percentile

RESULTS = """
CREATE TABLE IF NOT EXISTS reminders (
    customer TEXT NOT NULL, due_at DOUBLE PRECISION NOT NULL, sent_at DOUBLE PRECISION NOT NULL
)
"""


def converters(customers: int) -> set[int]:
    """The 30% who buy during the wait: the same ones as bench/journeys.py's workload."""
    return set(random.Random(7).sample(range(customers), int(customers * 0.3)))


def figures(
    url: str, customers: int, buyers: set[int], starts_s: float, total_s: float
) -> dict[str, Any]:
    """Starts per second, timer lag and correctness, read from the `reminders` table."""
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT customer, due_at, sent_at FROM reminders").fetchall()
    per_customer: dict[int, int] = {}
    for customer, _, _ in rows:
        number = int(customer[1:])
        per_customer[number] = per_customer.get(number, 0) + 1
    lags = [sent - due for _, due, sent in rows]
    return {
        "instances_started": customers,
        "messages_sent": len(rows),
        "duplicates": sum(n - 1 for n in per_customer.values() if n > 1),
        "messages_to_converters": sum(per_customer.get(n, 0) for n in buyers),
        "missing": sum(1 for n in range(customers) if n not in buyers and n not in per_customer),
        "end_to_end_starts_per_s": round(customers / max(starts_s, 1e-3)),
        "timer_lag_ms_p99": round(percentile(lags, 0.99) * 1000, 1) if lags else None,
        "total_s": round(total_s, 2),
    }
