"""`baton demo` on a fresh database (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.cli.conftest import Baton


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
