"""`baton workspaces` on a fresh database, SQLite and PostgreSQL: create (its keys shown
once), list, rename, delete with everything in it; the default one stays."""

from __future__ import annotations

import re

from sqlalchemy import Engine, select

from baton.analytics import AnalyticsStore
from baton.storage.database import connect, write_transaction
from baton.storage.tables import audit_log, workspaces
from baton.teams import Role, create_user, role_in
from baton.workspaces import KeyKind, KeyRing, workspace_by_key
from tests.api.test_isolation import rows_of
from tests.api.test_login import PASSWORD
from tests.cli.conftest import Baton
from tests.identity.helpers import send


def _created(out: str) -> dict[str, str]:
    return dict(re.findall(r"(id|key|write key \(shown once\)|admin key \(shown once\)): (\S+)",
                           out))  # fmt: skip


def _actions(engine: Engine, workspace_id: str | None) -> list[str]:
    where = (
        audit_log.c.workspace_id.is_(None)
        if workspace_id is None
        else audit_log.c.workspace_id == workspace_id
    )
    with engine.connect() as connection:
        return list(connection.execute(select(audit_log.c.action).where(where)).scalars())


def test_a_workspace_is_created_listed_renamed_and_deleted(bootstrapped: Baton) -> None:
    baton, engine = bootstrapped, connect(bootstrapped.database_url)
    with write_transaction(engine) as connection:
        owner = create_user(connection, "lead@agency.example", "", baton.clock.now(),
                            password=PASSWORD)  # fmt: skip
    code, out, err = baton("workspaces", "create", "Acme Shop", "--key", "acme",
                           "--owner", "Lead@Agency.example")  # fmt: skip
    assert code == 0, err
    shown = _created(out)
    assert shown["key"] == "acme"
    keys = KeyRing(engine, baton.clock)
    workspace_id = shown["id"]
    assert keys.workspace_for(shown["write key (shown once)"], KeyKind.WRITE) == workspace_id
    assert keys.workspace_for(shown["admin key (shown once)"], KeyKind.ADMIN) == workspace_id
    with engine.connect() as connection:
        assert role_in(connection, owner.id, workspace_id) is Role.OWNER
    assert _actions(engine, workspace_id) == ["workspace.create"]

    code, out, err = baton("workspaces", "list")
    assert code == 0, err
    assert "acme" in out
    assert "Acme Shop" in out
    assert "Default (default)" in out

    code, out, err = baton("workspaces", "rename", "acme", "Acme Stores")
    assert code == 0, err
    assert "now called 'Acme Stores'" in out
    with engine.connect() as connection:
        renamed = workspace_by_key(connection, "acme")
    assert renamed is not None
    assert renamed.name == "Acme Stores"
    assert _actions(engine, workspace_id) == ["workspace.create", "workspace.rename"]

    send(engine, baton.clock, workspace_id, {"type": "track", "userId": "ann", "event": "Hi"})
    store = AnalyticsStore(baton.env["BATON_ANALYTICS_PATH"])
    store.sync(engine, baton.clock.now())
    in_store = "SELECT count(*) FROM events WHERE workspace_id = ?"
    assert store.rows(in_store, [workspace_id]) == [(1,)]

    code, _, err = baton("workspaces", "delete", "acme")
    assert code == 2
    assert "add --yes" in err
    assert rows_of(engine, workspace_id)["events"]
    code, out, err = baton("workspaces", "delete", "acme", "--yes")
    assert code == 0, err
    assert "deleted the workspace acme" in out
    left = rows_of(engine, workspace_id)
    (receipt,) = left.pop("erasures")  # what has the files compacted: no personal data
    assert "'profile_ids': []" in receipt
    assert left == {}
    assert store.rows(in_store, [workspace_id]) == [(0,)]
    assert "workspace.delete" in _actions(engine, None)
    with engine.connect() as connection:
        assert connection.execute(select(workspaces.c.key)).scalars().all() == ["default"]
    engine.dispose()


def test_what_the_command_line_refuses(bootstrapped: Baton) -> None:
    baton = bootstrapped
    code, _, err = baton("workspaces", "delete", "default", "--yes")
    assert code == 1
    assert "the default workspace cannot be deleted: the command line" in " ".join(err.split())
    code, _, err = baton("workspaces", "delete", "nowhere", "--yes")
    assert code == 1
    assert "no workspace 'nowhere'" in err
    code, _, err = baton("workspaces", "create", "Shop", "--owner", "nobody@example.com")
    assert code == 1
    assert "baton users create" in err
    code, _, err = baton("workspaces", "create", "Shop", "--key", "default")
    assert code == 1
    assert "has the key 'default' already" in err
    code, _, err = baton("workspaces", "create", "Shop", "--key", "Not OK")
    assert code == 1
    assert "lower-case letters" in err
    code, _, err = baton("workspaces", "rename", "nowhere", "Name")
    assert code == 1
    code, _, err = baton("workspaces", "rename", "default", "  ")
    assert code == 1
    assert "a name of 1 to 200 characters" in err
    engine = connect(baton.database_url)
    with engine.connect() as connection:
        assert connection.execute(select(workspaces.c.name)).scalars().all() == ["Default"]
    engine.dispose()
