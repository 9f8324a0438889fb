"""`baton demo` on a fresh database (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging

import pytest

from baton.core.clock import ManualClock
from tests.cli.conftest import Baton
from tests.conftest import START


def test_baton_demo_fills_an_empty_database_only(baton: Baton) -> None:
    code, out, err = baton("demo", "--customers", "20", "--days", "3")
    assert code == 0, err
    assert "created the default workspace" in out
    assert "demo workspace ready: 20 customers" in out
    code, out, _ = baton("demo", "--if-empty")
    assert code == 0
    assert "no demo data added" in out
    code, _, err = baton("demo")
    assert code == 1
    assert "holds events already" in err


# `make run`'s database; tests/journeys/test_engine.py holds the cause on both.
@pytest.mark.parametrize("own_database", ["sqlite"], indirect=True)
def test_the_demo_prints_no_traceback_and_logs_no_error(
    baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    """What `make run` shows a new user. On this clock and seed, customer 23 gets an order
    delivered and places the next one in the same hour, which once failed a whole journey
    batch on the index of live instances."""
    own_clock = Baton(baton.env, ManualClock(START))
    with caplog.at_level(logging.WARNING):
        code, out, err = own_clock("demo", "--customers", "24", "--days", "30", "--seed", "7")
    assert code == 0, err
    assert "demo workspace ready: 24 customers" in out
    assert "Traceback" not in out + err
    troubles = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert [r.getMessage() for r in troubles] == []
