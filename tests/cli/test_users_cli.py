"""`baton users`, `baton keys` and the demo's owner on a fresh database (SQLite and
PostgreSQL): keys with a role and an expiry that the API honours, invitations by e-mail,
removing people, ending sessions, and how `make run` tells how to sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from baton.core.config import Settings
from baton.runtime import Runtime
from baton.storage.database import connect, write_transaction
from baton.storage.tables import audit_log
from baton.teams import Role, authenticate, create_user, grant, open_session, user_by_email
from baton.workspaces import default_workspace_id
from tests.api.test_login import sign_in
from tests.api.test_profiles import bearer
from tests.cli.conftest import Baton
from tests.conftest import serve_in_thread
from tests.servers import Mailbox

PASSWORD = "correct horse battery staple"


@contextmanager
def served(baton: Baton, tmp_path: Path) -> Iterator[httpx.Client]:
    """The API on the command's database and clock."""
    settings = Settings(database_url=baton.database_url,
                        analytics_path=str(tmp_path / "served.duckdb"))  # fmt: skip
    runtime = Runtime.create(settings, clock=baton.clock, run_processor=False)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url) as client:
        yield client


def _minute(baton: Baton, later: timedelta = timedelta(0)) -> str:
    return f"{(baton.clock.now() + later).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def test_an_admin_key_with_a_role_and_an_expiry(bootstrapped: Baton, tmp_path: Path) -> None:
    code, out, err = bootstrapped(
        "keys", "create", "--kind", "admin", "--role", "analyst", "--expires", "90d"
    )
    assert code == 0, err
    key = out.strip()
    with served(bootstrapped, tmp_path) as api:
        assert api.get("/api/v1/journeys", headers=bearer(key)).status_code == 200
        segment = {"name": "Pros", "condition": {"trait": "plan", "op": "eq", "value": "pro"}}
        refused = api.post("/api/v1/segments", json=segment, headers=bearer(key))
        assert refused.status_code == 403
    code, listed, _ = bootstrapped("keys", "list")
    assert code == 0
    lines = listed.splitlines()
    (row,) = [
        n for n, line in enumerate(lines) if line.endswith(f"admin, role analyst  …{key[-4:]}")
    ]
    assert lines[row + 1] == (
        f"    made {_minute(bootstrapped)} outside the API"
        f", expires {_minute(bootstrapped, timedelta(days=90))}"
        f", last used {_minute(bootstrapped)}"
    )
    bootstrapped.clock.advance(timedelta(days=90, seconds=1))
    with served(bootstrapped, tmp_path) as api:
        assert api.get("/api/v1/journeys", headers=bearer(key)).status_code == 401


def test_key_options_that_do_not_go_together_are_refused(bootstrapped: Baton) -> None:
    assert bootstrapped("keys", "create", "--kind", "write", "--role", "viewer")[0] == 2
    code, _, err = bootstrapped("keys", "create", "--kind", "admin", "--expires", "soon")
    assert code == 2
    assert "--expires" in err
    assert bootstrapped("keys", "create", "--kind", "admin", "--workspace", "nowhere")[0] == 1


def test_keys_are_audited_as_made_and_revoked_from_the_command_line(bootstrapped: Baton) -> None:
    code, out, _ = bootstrapped("keys", "create", "--kind", "write", "--workspace", "default")
    assert code == 0
    code, listed, _ = bootstrapped("keys", "list")
    key_id = next(line.split()[0] for line in listed.splitlines() if out.strip()[-4:] in line)
    assert bootstrapped("keys", "revoke", key_id)[0] == 0
    with connect(bootstrapped.database_url).connect() as connection:
        audited = connection.execute(
            select(audit_log.c.action, audit_log.c.actor_type)
            .where(audit_log.c.object_id == key_id)
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(row) for row in audited] == [("key.create", "cli"), ("key.revoke", "cli")]


def _people(baton: Baton, *people: tuple[str, Role]) -> None:
    engine = connect(baton.database_url)
    with write_transaction(engine) as connection:
        workspace_id = default_workspace_id(connection)
        assert workspace_id is not None
        for email, role in people:
            user = create_user(connection, email, "", baton.clock.now(), password=PASSWORD)
            grant(connection, workspace_id, user.id, role, baton.clock.now())
    engine.dispose()


def test_invitations_go_by_e_mail_or_print_their_link(
    bootstrapped: Baton, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox, port = smtp
    relay = {"BATON_SMTP_URL": f"smtp://127.0.0.1:{port}", "BATON_SMTP_SECURITY": "none",
             "BATON_MAIL_FROM": "baton@example.com"}  # fmt: skip
    code, out, err = bootstrapped("users", "invite", "mailed@example.com", "--role", "admin",
                                  **relay)  # fmt: skip
    assert code == 0, err
    assert "invitation e-mailed to mailed@example.com" in out
    ((recipients, message),) = mailbox.received
    assert recipients == ["mailed@example.com"]
    text = message.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert "The administrator invites you to work in Default on Baton, as admin" in text.decode()
    code, out, err = bootstrapped("users", "invite", "printed@example.com", "--role", "viewer")
    assert code == 0
    assert "not e-mailed: no mail server" in " ".join(err.split())
    link = next(word for word in out.split() if "/invite?token=" in word)
    with served(bootstrapped, tmp_path) as api:
        token = link.partition("token=")[2]
        accepted = api.post("/api/v1/auth/invitation", json={"token": token, "password": PASSWORD})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["workspace"]["role"] == "viewer"


def test_the_last_owner_stays_and_a_removed_member_is_signed_out(bootstrapped: Baton) -> None:
    _people(bootstrapped, ("boss@example.com", Role.OWNER), ("ann@example.com", Role.MARKETER))
    code, _, err = bootstrapped("users", "remove", "boss@example.com")
    assert code == 1
    assert "last owner" in err
    code, _, err = bootstrapped("users", "create", "boss@example.com", "--role", "viewer")
    assert code == 1
    assert "last owner" in err
    engine = connect(bootstrapped.database_url)
    with write_transaction(engine) as connection:
        ann = user_by_email(connection, "ann@example.com")
        assert ann is not None
        for _ in range(2):
            open_session(connection, ann.id, None, bootstrapped.clock.now())
    assert bootstrapped("users", "sign-out", "ann@example.com")[1] == (
        "2 sessions of ann@example.com ended\n"
    )
    with write_transaction(engine) as connection:
        open_session(connection, ann.id, None, bootstrapped.clock.now())
    code, out, _ = bootstrapped("users", "remove", "ann@example.com")
    assert code == 0
    assert " ".join(out.split()) == (
        "ann@example.com is no longer in the workspace default; 0 admin keys they made are revoked"
    )
    code, listed, _ = bootstrapped("users", "list")
    assert "ann@example.com" not in listed
    assert bootstrapped("users", "remove", "ghost@example.com")[0] == 1
    with engine.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action).where(audit_log.c.object_id == ann.id)
            .order_by(audit_log.c.id)
        ).scalars().all()  # fmt: skip
        assert actions == ["sessions.revoke", "member.remove"]
        detail = connection.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "member.remove")
        ).scalar_one()
        assert detail == {"sessions_ended": 1, "keys_revoked": 0}
    engine.dispose()


def test_removing_someone_revokes_the_admin_keys_they_made(
    bootstrapped: Baton, tmp_path: Path
) -> None:
    _people(bootstrapped, ("leaver@example.com", Role.ADMIN), ("stays@example.com", Role.ADMIN))
    keys: dict[str, str] = {}
    with served(bootstrapped, tmp_path) as api:
        for email in ("leaver@example.com", "stays@example.com"):
            csrf = sign_in(api, email)
            made = api.post("/api/v1/keys", json={"kind": "admin"}, headers={"X-CSRF-Token": csrf})
            keys[email] = made.json()["key"]
        chained = api.post("/api/v1/keys", json={"kind": "admin"},
                           headers=bearer(keys["leaver@example.com"]))  # fmt: skip
        keys["chained"] = chained.json()["key"]
    with connect(bootstrapped.database_url).connect() as connection:
        leaver = user_by_email(connection, "leaver@example.com")
    assert leaver is not None
    code, listed, _ = bootstrapped("keys", "list")
    assert f"by {leaver.id}, expires never" in " ".join(listed.split())
    code, out, err = bootstrapped("users", "remove", "leaver@example.com")
    assert code == 0, err
    assert "2 admin keys they made are revoked" in " ".join(out.split())
    with served(bootstrapped, tmp_path) as api:
        for name, key in keys.items():
            expected = 200 if name == "stays@example.com" else 401
            assert api.get("/api/v1/journeys", headers=bearer(key)).status_code == expected, name
    code, listed, _ = bootstrapped("keys", "list")
    assert f"by {leaver.id}" not in listed


def test_the_demo_makes_an_owner_and_tells_how_to_sign_in_once(baton: Baton) -> None:
    code, out, err = baton("demo", "--customers", "2", "--days", "1")
    assert code == 0, err
    found = re.search(
        r"sign in at (\S+) as (\S+) with the password (\S+) \(shown once\)", " ".join(out.split())
    )
    assert found is not None, out
    assert found.group(1, 2) == ("http://127.0.0.1:8000", "owner@baton.example")
    engine = connect(baton.database_url)
    with engine.connect() as connection:
        owner = authenticate(connection, "owner@baton.example", found.group(3))
        assert owner is not None
        assert owner.installation_owner
        workspace_id = default_workspace_id(connection)
    code, listed, _ = baton("users", "list", COLUMNS="200")
    assert "owner@baton.example" in listed
    assert "owner" in listed.split("owner@baton.example")[1]
    assert workspace_id is not None
    code, out, _ = baton("demo", "--if-empty")
    assert code == 0
    assert "sign in" not in out
    engine.dispose()
