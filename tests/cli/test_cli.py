"""The `baton` command on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import select

from baton.core.clock import ManualClock
from baton.storage.database import connect, write_transaction
from baton.storage.tables import events
from baton.workspaces import KeyKind, KeyRing, ensure_default_workspace
from tests.cli.conftest import invoke
from tests.conftest import process_all


def test_migrate_is_idempotent(env: dict[str, str]) -> None:
    for _ in range(2):
        code, out, _ = invoke(env, "migrate")
        assert code == 0
        assert "up to date" in out


def test_bad_configuration_is_reported(env: dict[str, str]) -> None:
    code, _, err = invoke({**env, "BATON_PORT": "eighty"}, "migrate")
    assert code == 2
    assert "BATON_PORT" in err


def test_keys_create_needs_a_workspace_then_makes_working_keys(
    env: dict[str, str], clock: ManualClock
) -> None:
    invoke(env, "migrate")
    code, _, err = invoke(env, "keys", "create", "--kind", "write")
    assert code == 1
    assert "no workspace" in err
    with write_transaction(connect(env["BATON_DATABASE_URL"])) as connection:
        workspace_id = ensure_default_workspace(connection, clock).workspace_id
    code, out, _ = invoke(env, "keys", "create", "--kind", "admin")
    assert code == 0
    key = out.strip()
    keys = KeyRing(connect(env["BATON_DATABASE_URL"]), clock)
    assert keys.workspace_for(key, KeyKind.ADMIN) == workspace_id
    assert keys.workspace_for(key, KeyKind.WRITE) is None


def test_import_ndjson_keeps_good_lines_and_reports_bad_ones(
    bootstrapped: dict[str, str], tmp_path: Path, clock: ManualClock
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
    code, out, err = invoke(bootstrapped, "import", str(source))
    assert code == 1
    assert "imported 3 rows; 2 rejected" in out
    assert "line 2: not valid JSON" in err
    assert "line 3: event: a track message needs event" in err

    engine = connect(bootstrapped["BATON_DATABASE_URL"])
    with engine.connect() as connection:
        stored = connection.execute(select(events.c.event)).scalars().all()
    assert sorted(stored, key=str) == sorted([None, "Order Completed"], key=str)
    process_all(engine, clock)
    code, out, _ = invoke(bootstrapped, "profiles", "show", "IMP@example.com")
    assert code == 0
    shown = orjson.loads(out)
    assert shown["identifiers"]["user_id"] == ["imp-1"]
    assert shown["event_count"] == 2


def test_import_csv_with_a_column_mapping(
    bootstrapped: dict[str, str], tmp_path: Path, clock: ManualClock
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
    code, out, err = invoke(bootstrapped, "import", str(source), *mapping)
    assert code == 1
    assert "imported 2 rows; 1 rejected" in out
    assert "line 4: the row has no user id" in err
    # Importing again changes nothing: rows have stable message ids.
    invoke(bootstrapped, "import", str(source), *mapping)
    engine = connect(bootstrapped["BATON_DATABASE_URL"])
    process_all(engine, clock)
    ann = orjson.loads(invoke(bootstrapped, "profiles", "show", "C-1")[1])
    # A column called phone (any case) is the reserved phone trait without a mapping.
    assert ann["traits"] == {
        "email": "ann@example.com",
        "firstName": "Ann",
        "phone": "+47 412 34 567",
    }
    assert ann["identifiers"]["phone"] == ["+4741234567"]
    assert ann["event_count"] == 1
    cy = orjson.loads(invoke(bootstrapped, "profiles", "show", "cy@example.com")[1])
    assert cy["traits"]["firstName"] == "Cy"


def test_import_csv_rejects_a_mapping_to_unknown_columns(
    bootstrapped: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "crm.csv"
    source.write_text("id,email\n1,a@b.co\n")
    code, _, err = invoke(bootstrapped, "import", str(source), "--map", "customer=userId")
    assert code == 1
    assert "customer" in err


def test_profiles_show_unknown(bootstrapped: dict[str, str]) -> None:
    code, _, err = invoke(bootstrapped, "profiles", "show", "ghost@example.com")
    assert code == 1
    assert "no profile matches" in err
