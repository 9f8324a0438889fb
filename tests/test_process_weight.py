"""What the long-lived processes load at start: each of them is one of three under `baton
serve`, so every library they hold counts three times (`bench/ingest.py` reports it)."""

from __future__ import annotations

import subprocess
import sys

_HEAVY = ("numpy", "pandas", "sklearn", "lightgbm", "shap", "mabwiser", "duckdb", "implicit")
# Loaded by the PostgreSQL engine only: a SQLite installation's processes never need it.
_DRIVER = "psycopg"


def test_the_api_and_the_worker_start_without_model_array_or_driver_libraries() -> None:
    script = (
        "import sys\n"
        "import baton.api.app, baton.cli.worker\n"
        f"print(sorted(set({(*_HEAVY, _DRIVER)!r}) & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
