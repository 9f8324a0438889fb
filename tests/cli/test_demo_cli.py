"""`baton demo` on a fresh SQLite database."""

from __future__ import annotations

from tests.cli.conftest import invoke


def test_baton_demo_fills_an_empty_database_only(env: dict[str, str]) -> None:
    code, out, err = invoke(env, "demo", "--customers", "20", "--days", "3")
    assert code == 0, err
    assert "created the default workspace" in out
    assert "demo workspace ready: 20 customers" in out
    code, out, _ = invoke(env, "demo", "--if-empty")
    assert code == 0
    assert "no demo data added" in out
    code, _, err = invoke(env, "demo")
    assert code == 1
    assert "holds events already" in err
