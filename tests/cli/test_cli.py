"""The `baton` command on a fresh database, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
from sqlalchemy import select

from baton.core.clock import ManualClock
from baton.storage.database import connect, write_transaction
from baton.storage.tables import events
from baton.workspaces import (
    KeyKind,
    KeyRing,
    default_workspace_id,
    ensure_default_workspace,
    list_keys,
)
from tests.cli.conftest import Baton
from tests.conftest import process_all


def test_migrate_is_idempotent(baton: Baton) -> None:
    for _ in range(2):
        code, out, _ = baton("migrate")
        assert code == 0
        assert "is up to date" in " ".join(out.split())


def test_bad_configuration_is_reported(baton: Baton) -> None:
    code, _, err = baton("migrate", BATON_PORT="eighty")
    assert code == 2
    assert "BATON_PORT" in err


def test_migrate_creates_the_default_workspace_so_a_script_needs_no_server(
    baton: Baton,
) -> None:
    code, out, err = baton("migrate")
    assert code == 0, err
    assert "created the default workspace" in out
    shown = dict(re.findall(r"(write key|admin token) \(shown once\): (\S+)", out))
    keys = KeyRing(connect(baton.database_url), baton.clock)
    workspace_id = keys.workspace_for(shown["write key"], KeyKind.WRITE)
    assert workspace_id is not None
    assert keys.workspace_for(shown["admin token"], KeyKind.ADMIN) == workspace_id
    code, out, _ = baton("migrate")
    assert code == 0
    assert "created" not in out
    assert "shown once" not in out
    code, out, err = baton("templates", "install", "win-back")
    assert code == 0, err
    assert "published journey win-back" in out


def test_keys_create_needs_a_workspace_then_makes_working_keys(
    baton: Baton, clock: ManualClock
) -> None:
    code, _, err = baton("keys", "create", "--kind", "write")
    assert code == 1
    assert "no workspace yet: run `baton migrate` to create it" in " ".join(err.split())
    with write_transaction(connect(baton.database_url)) as connection:
        workspace_id = ensure_default_workspace(connection, clock).workspace_id
    code, out, _ = baton("keys", "create", "--kind", "admin")
    assert code == 0
    key = out.strip()
    keys = KeyRing(connect(baton.database_url), clock)
    assert keys.workspace_for(key, KeyKind.ADMIN) == workspace_id
    assert keys.workspace_for(key, KeyKind.WRITE) is None
    code, out, _ = baton("keys", "create", "--kind", "write", "--browser")
    assert code == 0
    found = keys.access_for(out.strip(), KeyKind.WRITE)
    assert found is not None
    assert (found.workspace_id, found.browser) == (workspace_id, True)
    code, out, _ = baton("keys", "create", "--kind", "write")
    found = keys.access_for(out.strip(), KeyKind.WRITE)
    assert found is not None
    assert (found.workspace_id, found.browser) == (workspace_id, False)
    assert baton("keys", "create", "--kind", "admin", "--browser")[0] == 2


def test_import_ndjson_keeps_good_lines_and_reports_bad_ones(
    bootstrapped: Baton, tmp_path: Path, clock: ManualClock
) -> None:
    lines = [
        orjson.dumps(
            {"type": "identify", "userId": "imp-1", "traits": {"email": "imp@example.com"}}
        ),
        b"{not json",
        orjson.dumps({"type": "track", "userId": "imp-1"}),
        b"",
        orjson.dumps(
            {"type": "track", "userId": "imp-1", "event": "Order Completed", "messageId": "o-1"}
        ),
        orjson.dumps(
            {"type": "track", "userId": "imp-1", "event": "Order Completed", "messageId": "o-1"}
        ),
    ]
    source = tmp_path / "events.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = bootstrapped("import", str(source))
    assert code == 1
    assert "imported 3 rows; 2 rejected" in out
    assert "line 2: not valid JSON" in err
    assert "line 3: event: a track message needs event" in err

    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        stored = connection.execute(select(events.c.event)).scalars().all()
    assert sorted(stored, key=str) == sorted([None, "Order Completed"], key=str)
    process_all(engine, clock)
    code, out, _ = bootstrapped("profiles", "show", "IMP@example.com")
    assert code == 0
    shown = orjson.loads(out)
    assert shown["identifiers"]["user_id"] == ["imp-1"]
    assert shown["event_count"] == 2


def test_import_csv_with_a_column_mapping(
    bootstrapped: Baton, tmp_path: Path, clock: ManualClock
) -> None:
    source = tmp_path / "crm.csv"
    source.write_text(
        "Customer No,E-mail,Given name,Phone\n"
        "C-1,ann@example.com,Ann,+47 412 34 567\n"
        ",cy@example.com,Cy,\n"
        ",,Nobody,\n"
    )
    mapping = [
        "--map",
        "Customer No=userId",
        "--map",
        "E-mail=traits.email",
        "--map",
        "Given name=traits.firstName",
    ]
    code, out, err = bootstrapped("import", str(source), *mapping)
    assert code == 1
    assert "imported 2 rows; 1 rejected" in out
    assert "line 4: the row has no user id" in err
    # Importing again changes nothing: rows have stable message ids.
    bootstrapped("import", str(source), *mapping)
    engine = connect(bootstrapped.database_url)
    process_all(engine, clock)
    ann = orjson.loads(bootstrapped("profiles", "show", "C-1")[1])
    # A column called phone (any case) is the reserved phone trait without a mapping.
    assert ann["traits"] == {
        "email": "ann@example.com",
        "firstName": "Ann",
        "phone": "+47 412 34 567",
    }
    assert ann["identifiers"]["phone"] == ["+4741234567"]
    assert ann["event_count"] == 1
    cy = orjson.loads(bootstrapped("profiles", "show", "cy@example.com")[1])
    assert cy["traits"]["firstName"] == "Cy"


def test_import_csv_rejects_a_mapping_to_unknown_columns(
    bootstrapped: Baton, tmp_path: Path
) -> None:
    source = tmp_path / "crm.csv"
    source.write_text("id,email\n1,a@b.co\n")
    code, _, err = bootstrapped("import", str(source), "--map", "customer=userId")
    assert code == 1
    assert "customer" in err


def test_profiles_show_unknown(bootstrapped: Baton) -> None:
    code, _, err = bootstrapped("profiles", "show", "ghost@example.com")
    assert code == 1
    assert "no profile matches" in err


def test_keys_are_listed_by_hint_and_revoked(bootstrapped: Baton, clock: ManualClock) -> None:
    code, out, _ = bootstrapped("keys", "create", "--kind", "write", "--browser")
    key = out.strip()
    code, listed, _ = bootstrapped("keys", "list")
    assert code == 0
    assert key not in listed
    assert f"…{key[-4:]}" in listed
    assert "write (browser)" in listed
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
        assert workspace_id is not None
        (made,) = [k for k in list_keys(connection, workspace_id) if k.browser]
    assert len(made.hint) == 4
    assert bootstrapped("keys", "revoke", made.id) == (0, f"key {made.id} revoked\n", "")
    assert KeyRing(engine, clock).workspace_for(key, KeyKind.WRITE) is None
    code, _, err = bootstrapped("keys", "revoke", made.id)
    assert code == 1
    assert "no key" in err


def test_keys_shorter_than_16_characters_are_refused_at_start(baton: Baton) -> None:
    code, _, err = baton("migrate", BATON_ADMIN_TOKEN="admin-123")
    assert code == 2
    assert "BATON_ADMIN_TOKEN must be at least 16 characters" in " ".join(err.split())
