"""The profiles a batch locks before it reads (PostgreSQL): found through the identifiers
it names, and by index probes however many it names and whatever the statistics say."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, insert, text

from baton.identity.locks import profiles_behind
from baton.identity.normalize import ANONYMOUS_ID, USER_ID
from baton.storage.database import connect, write_transaction
from baton.storage.tables import component_users, identifiers, identity_components
from tests.identity.helpers import last_statement

_WS = "ws_locks"
_AT = datetime(2026, 3, 2, tzinfo=UTC)


def _identifier(
    kind: str, value: str, profile: str | None, component: str | None
) -> dict[str, Any]:
    return {"workspace_id": _WS, "kind": kind, "value": value, "profile_id": profile,
            "component_id": component, "first_seen": _AT}  # fmt: skip


def _plan(connection: Connection, parts: Sequence[tuple[str, ...]]) -> dict[str, Any]:
    statement, parameters = last_statement(connection, lambda: profiles_behind(connection, parts))
    explained = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
    plan: dict[str, Any] = explained.scalar_one()[0]["Plan"]
    return plan


def _identifier_scans(connection: Connection) -> list[str | None]:
    """The index each read of `identifiers` uses, for as many identifiers as a batch names."""
    many = [("identifier", _WS, USER_ID, f"u{n}") for n in range(0, 6000, 2)]
    plan = _plan(connection, many)
    scans = [node.get("Index Name") for node in _nodes(plan)
             if node.get("Relation Name") == "identifiers"]  # fmt: skip
    assert scans, json.dumps(plan)
    return scans


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_the_profiles_behind_identifiers_are_found_by_index_probes(own_database: str) -> None:
    engine = connect(own_database)
    # Another workspace knows the same user as someone else.
    stranger = {**_identifier(USER_ID, "u1", "prof_stranger", None), "workspace_id": "ws_other"}
    with write_transaction(engine) as connection:
        connection.execute(insert(identifiers), [stranger])
    with engine.connect() as connection:
        # Statistics of a young table (one row), then the table grows past them.
        connection.execute(text("ANALYZE identifiers, identity_components, component_users"))
    users = [_identifier(USER_ID, f"u{n}", f"prof_u{n}", None) for n in range(3000)]
    # An anonymous device whose component has its own profile, and an e-mail whose
    # component was seen with user u7.
    weak = [_identifier(ANONYMOUS_ID, "device", None, "cmp_a"),
            _identifier("email", "x@example.com", None, "cmp_b")]  # fmt: skip
    with write_transaction(engine) as connection:
        connection.execute(insert(identifiers), [*users, *weak])
        connection.execute(insert(identity_components), [
            {"id": "cmp_a", "workspace_id": _WS, "profile_id": "prof_device"},
            {"id": "cmp_b", "workspace_id": _WS, "profile_id": None},
        ])  # fmt: skip
        connection.execute(
            insert(component_users),
            [{"component_id": "cmp_b", "user_id": "u7", "workspace_id": _WS, "first_seen": _AT}],
        )
    with engine.connect() as connection:
        named = [("identifier", _WS, USER_ID, f"u{n}") for n in (1, 1, 2, 9999)]
        named += [("identifier", _WS, ANONYMOUS_ID, "device"),
                  ("identifier", _WS, "email", "x@example.com")]  # fmt: skip
        found = profiles_behind(connection, named)
        # As many as a batch names: the planner probes, and does not hash the workspace,
        # with the young table's statistics and with the grown table's.
        young = _identifier_scans(connection)
        connection.execute(text("ANALYZE identifiers, identity_components, component_users"))
        grown = _identifier_scans(connection)
    engine.dispose()
    assert found == {("profile", p) for p in ("prof_u1", "prof_u2", "prof_device", "prof_u7")}
    assert set(young) == set(grown) == {"pk_identifiers"}
