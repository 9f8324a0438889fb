"""Baton beside its peers on the cart-abandonment workload of bench/journeys.py, in one
run on this machine, each on a fresh PostgreSQL database: N customers start a wait of D
seconds for their order, 30% order during it, the rest must get exactly one reminder.

- Baton: `baton serve` (two worker processes), events through the HTTP API in batches.
- DBOS Transact (bench/compare/dbos_cart.py): a durable workflow per customer blocked in
  `DBOS.recv(timeout_seconds=D)`.
- A PostgreSQL poller (bench/compare/poller.py): events accepted 100 a transaction and
  consumed, due carts claimed `FOR UPDATE SKIP LOCKED`; exact by Baton's rule (no timer
  fires past an event accepted but not yet consumed).

Prints a JSON line per system, then the table (Markdown) on stderr. The peers are
installed by `make bench` from bench/compare/requirements.txt.

    python -m bench.compare.run --customers 2000 --wait 5
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import orjson

from bench.harness import database
from bench.journeys import cart_workload

COLUMNS = (
    ("starts/s", "end_to_end_starts_per_s"),
    ("timer lag p99 (ms)", "timer_lag_ms_p99"),
    ("total (s)", "total_s"),
    ("reminders", "messages_sent"),
    ("duplicates", "duplicates"),
    ("to buyers", "messages_to_converters"),
)


def baton(customers: int, wait: int) -> dict[str, Any]:
    with database("postgresql") as url:
        found = cart_workload(url, customers, wait, rate=10, seconds=1)
    return {"system": "Baton (baton serve)", **found}


def peer(module: str, customers: int, wait: int, *extra: str) -> dict[str, Any]:
    with database("postgresql") as url:
        url = url.replace("postgresql+psycopg://", "postgresql://")
        done = subprocess.run(
            [sys.executable, "-m", f"bench.compare.{module}", "--url", url,
             "--customers", str(customers), "--wait", str(wait), *extra],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    last: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return last


def dbos_queued(customers: int, wait: int) -> dict[str, Any]:
    found = peer("dbos_cart", customers, wait, "--start", "queue")
    return {**found, "system": found["system"] + " (queue)"}


SYSTEMS: dict[str, Callable[[int, int], dict[str, Any]]] = {
    "baton": baton,
    "dbos": lambda n, d: peer("dbos_cart", n, d),
    "dbos-queue": dbos_queued,
    "poller": lambda n, d: peer("poller", n, d),
}


def table(results: list[dict[str, Any]], customers: int, wait: int) -> str:
    expected = customers - int(customers * 0.3)
    lines = [
        f"| N={customers}, D={wait}s, {expected} reminders due | "
        + " | ".join(name for name, _ in COLUMNS)
        + " |",
        "| --- |" + " --- |" * len(COLUMNS),
    ]
    for found in results:
        cells = [str(found.get(key)) for _, key in COLUMNS]
        lines.append(f"| {found['system']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--wait", type=int, default=5)
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help="which to run, comma-separated (DBOS starts about 40 workflows/s here: "
        "20,000 customers take it ten minutes)",
    )
    options = parser.parse_args()
    n, d = options.customers, options.wait
    results = [SYSTEMS[name](n, d) for name in options.systems.split(",")]
    for found in results:
        print(orjson.dumps({"bench": "compare", **found}).decode(), flush=True)
    print(table(results, n, d), file=sys.stderr)


if __name__ == "__main__":
    main()
