"""Keys through the admin API, over real HTTP on both databases: shown once, listed with
role, expiry, last use and maker, limited by their role, stopped by expiry and by
revocation, never given more than their creator's role nor a longer life than the key that
made them, revoked with the person who made them, and kept to their own workspace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, select, update

from baton.core.clock import ManualClock
from baton.core.formats import iso_instant
from baton.storage.database import write_transaction
from baton.storage.tables import api_keys, audit_log
from baton.teams import Role
from baton.workspaces import KeyKind, create_key, create_workspace, workspace_of
from baton.workspaces.keys import key_info
from tests.api.test_login import make_user
from tests.api.test_profiles import bearer
from tests.api.test_users import signed_in
from tests.conftest import Workspace

SEGMENT = {"name": "Buyers", "condition": {"trait": "plan", "op": "eq", "value": "pro"}}


@pytest.fixture
def admin(server_url: str, workspace: Workspace) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, headers=bearer(workspace.admin_token)) as client:
        yield client


def test_a_key_is_shown_once_and_listed_with_role_expiry_and_last_use(
    admin: httpx.Client, server_url: str, clock: ManualClock
) -> None:
    made = admin.post(
        "/api/v1/keys", json={"kind": "admin", "role": "analyst", "expires_in": "90d"}
    )
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert key.startswith("ba_")
    assert made.json()["role"] == "analyst"
    assert made.json()["expires_at"] == iso_instant(clock.now() + timedelta(days=90))
    assert made.json()["last_used_at"] is None
    listed = {k["id"]: k for k in admin.get("/api/v1/keys").json()["items"]}
    shown = listed[made.json()["id"]]
    assert "key" not in shown
    assert key not in admin.get("/api/v1/keys").text
    assert shown["hint"] == key[-4:]
    assert shown["last_used_at"] is None
    with httpx.Client(base_url=server_url, headers=bearer(key)) as analyst:
        assert analyst.get("/api/v1/segments").status_code == 200
    listed = {k["id"]: k for k in admin.get("/api/v1/keys").json()["items"]}
    assert listed[made.json()["id"]]["last_used_at"] == iso_instant(clock.now())


def test_an_analyst_key_reads_and_may_not_write(admin: httpx.Client, server_url: str) -> None:
    key = admin.post("/api/v1/keys", json={"kind": "admin", "role": "analyst"}).json()["key"]
    with httpx.Client(base_url=server_url, headers=bearer(key)) as analyst:
        assert analyst.get("/api/v1/journeys").status_code == 200
        refused = analyst.post("/api/v1/segments", json=SEGMENT)
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "the analyst role may not edit content"
        assert analyst.post("/api/v1/keys", json={"kind": "write"}).status_code == 403


def test_a_key_stops_working_when_it_expires(
    admin: httpx.Client, server_url: str, clock: ManualClock
) -> None:
    made = admin.post("/api/v1/keys", json={"kind": "admin", "role": "viewer", "expires_in": "1h"})
    with httpx.Client(base_url=server_url, headers=bearer(made.json()["key"])) as viewer:
        assert viewer.get("/api/v1/journeys").status_code == 200
        clock.advance(timedelta(minutes=59))
        assert viewer.get("/api/v1/journeys").status_code == 200
        clock.advance(timedelta(minutes=1, seconds=1))
        assert viewer.get("/api/v1/journeys").status_code == 401
    listed = {k["id"]: k for k in admin.get("/api/v1/keys").json()["items"]}
    assert listed[made.json()["id"]]["expires_at"] is not None


def test_a_revoked_key_stops_at_once(
    admin: httpx.Client, server_url: str, workspace: Workspace, engine: Engine
) -> None:
    made = admin.post("/api/v1/keys", json={"kind": "write"})
    assert made.json()["role"] is None
    other = admin.post("/api/v1/keys", json={"kind": "admin", "role": "viewer"}).json()
    with httpx.Client(base_url=server_url, headers=bearer(other["key"])) as viewer:
        assert viewer.get("/api/v1/journeys").status_code == 200  # now in the key ring's cache
        assert admin.delete(f"/api/v1/keys/{other['id']}").status_code == 204
        assert viewer.get("/api/v1/journeys").status_code == 401  # no 10 s of grace
    assert admin.delete(f"/api/v1/keys/{other['id']}").status_code == 404
    ids = [k["id"] for k in admin.get("/api/v1/keys").json()["items"]]
    assert made.json()["id"] in ids
    assert other["id"] not in ids
    with engine.connect() as connection:
        audited = connection.execute(
            select(audit_log.c.action, audit_log.c.actor_type)
            .where(audit_log.c.workspace_id == workspace.id, audit_log.c.object_id == other["id"])
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(row) for row in audited] == [("key.create", "key"), ("key.revoke", "key")]


def test_a_key_gets_no_more_than_its_creator_s_role(
    server_url: str, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    with write_transaction(engine) as connection:
        developer = create_key(
            connection, workspace.id, KeyKind.ADMIN, clock.now(), role=Role.DEVELOPER
        )
    with httpx.Client(base_url=server_url, headers=bearer(developer)) as client:
        for role in ("admin", "owner", "analyst"):  # an analyst exports: a developer does not
            refused = client.post("/api/v1/keys", json={"kind": "admin", "role": role})
            assert refused.status_code == 403, role
        for role in ("developer", "viewer"):
            made = client.post("/api/v1/keys", json={"kind": "admin", "role": role})
            assert made.json()["role"] == role
        own = client.post("/api/v1/keys", json={"kind": "admin"})
        assert own.json()["role"] == "developer"  # by default, the creator's role
        admin_key = next(
            k for k in client.get("/api/v1/keys").json()["items"] if k["role"] == "admin"
        )
        assert client.delete(f"/api/v1/keys/{admin_key['id']}").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "write", "role": "viewer"}, "role"),
        ({"kind": "admin", "browser": True}, "browser"),
        ({"kind": "admin", "expires_in": "soon"}, "expires_in"),
        ({"kind": "admin", "expires_in": "0d"}, "expires_in"),
        ({"kind": "reader"}, "kind"),
    ],
)
def test_a_bad_key_request_names_its_field(
    admin: httpx.Client, body: dict[str, object], field: str
) -> None:
    answer = admin.post("/api/v1/keys", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field


def test_a_key_made_with_a_key_expires_no_later_than_it(
    server_url: str, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    with write_transaction(engine) as connection:
        maker = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(),
                           expires_at=clock.now() + timedelta(days=90))  # fmt: skip
    deadline = iso_instant(clock.now() + timedelta(days=90))
    with httpx.Client(base_url=server_url, headers=bearer(maker)) as client:
        for asked in ({}, {"expires_in": "365d"}):
            made = client.post("/api/v1/keys", json={"kind": "admin", **asked})
            assert made.status_code == 201, made.text
            assert made.json()["expires_at"] == deadline, asked
            assert made.json()["expiry_capped"] is True
        write = client.post("/api/v1/keys", json={"kind": "write"}).json()
        assert (write["expires_at"], write["expiry_capped"]) == (deadline, True)
        sooner = client.post("/api/v1/keys", json={"kind": "admin", "expires_in": "30d"}).json()
        assert sooner["expires_at"] == iso_instant(clock.now() + timedelta(days=30))
        assert sooner["expiry_capped"] is False
        child = made.json()["key"]
    clock.advance(timedelta(days=90, seconds=1))
    with httpx.Client(base_url=server_url, headers=bearer(child)) as client:
        assert client.get("/api/v1/journeys").status_code == 401
    with httpx.Client(base_url=server_url, headers=bearer(workspace.admin_token)) as client:
        lasting = client.post("/api/v1/keys", json={"kind": "admin"}).json()
        assert (lasting["expires_at"], lasting["expiry_capped"]) == (None, False)


def test_a_key_lists_who_made_it(
    server_url: str, admin: httpx.Client, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    email = f"maker-{workspace.id}@example.com"
    user_id = make_user(engine, clock, workspace.id, Role.ADMIN, email)
    by_key = admin.post("/api/v1/keys", json={"kind": "admin", "role": "viewer"}).json()
    with signed_in(server_url, email) as browser:
        by_user = browser.post("/api/v1/keys", json={"kind": "write"}).json()
    with engine.connect() as connection:
        token = key_info(connection, workspace.admin_token)
    assert token is not None
    listed = {k["id"]: k["created_by"] for k in admin.get("/api/v1/keys").json()["items"]}
    assert listed[token.id] is None  # made outside the API
    assert listed[by_key["id"]] == by_key["created_by"] == token.id
    assert listed[by_user["id"]] == user_id


def test_removing_a_person_revokes_the_admin_keys_they_made(
    server_url: str, admin: httpx.Client, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    email = f"leaver-{workspace.id}@example.com"
    leaver = make_user(engine, clock, workspace.id, Role.ADMIN, email)
    with signed_in(server_url, email) as browser:
        theirs = browser.post("/api/v1/keys", json={"kind": "admin"}).json()
        tracking = browser.post("/api/v1/keys", json={"kind": "write"}).json()
    with httpx.Client(base_url=server_url, headers=bearer(theirs["key"])) as client:
        laundered = client.post("/api/v1/keys", json={"kind": "admin"}).json()
    kept = admin.post("/api/v1/keys", json={"kind": "admin", "role": "viewer"}).json()
    for key in (theirs, laundered, kept):  # each is in the key ring's cache now
        assert admin.get("/api/v1/journeys", headers=bearer(key["key"])).status_code == 200
    removed = admin.delete(f"/api/v1/users/{leaver}")
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"sessions_ended": 1, "keys_revoked": 2}
    for key in (theirs, laundered):  # at once, not after the cache's 10 seconds
        assert admin.get("/api/v1/journeys", headers=bearer(key["key"])).status_code == 401
    assert admin.get("/api/v1/journeys", headers=bearer(kept["key"])).status_code == 200
    ids = {k["id"] for k in admin.get("/api/v1/keys").json()["items"]}
    assert {kept["id"], tracking["id"]} <= ids
    assert not {theirs["id"], laundered["id"]} & ids
    with engine.connect() as connection:
        audited = connection.execute(
            select(audit_log.c.action, audit_log.c.object_id, audit_log.c.detail)
            .where(audit_log.c.workspace_id == workspace.id,
                   audit_log.c.action.in_(["key.revoke", "member.remove"]))
            .order_by(audit_log.c.id)
        ).all()  # fmt: skip
    assert [tuple(row) for row in audited] == [
        ("key.revoke", theirs["id"], {"maker_removed": leaver}),
        ("key.revoke", laundered["id"], {"maker_removed": leaver}),
        ("member.remove", leaver, {"sessions_ended": 1, "keys_revoked": 2}),
    ]


def test_an_admin_key_without_a_role_opens_nothing(
    server_url: str, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    with write_transaction(engine) as connection:
        key = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now())
        made = key_info(connection, key)
        assert made is not None
        assert made.role is Role.ADMIN  # every admin key is stored with a role
        connection.execute(update(api_keys).where(api_keys.c.id == made.id).values(role=None))
    with httpx.Client(base_url=server_url, headers=bearer(key)) as client:
        for answer in (client.get("/api/v1/journeys"), client.get("/api/v1/auth/me"),
                       client.post("/api/v1/keys", json={"kind": "admin"})):  # fmt: skip
            assert answer.status_code == 403
            assert answer.json()["error"]["message"] == (
                "this admin key has no role, so it opens nothing: make another"
            )


def test_an_admin_key_works_in_its_own_workspace_only(
    admin: httpx.Client, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    with write_transaction(engine) as connection:
        other = workspace_of(connection, create_workspace(connection, "Elsewhere", clock))
        own = workspace_of(connection, workspace.id)
    for named in (other.key, other.id, "nowhere"):
        refused = admin.get("/api/v1/keys", headers={"X-Baton-Workspace": named})
        assert refused.status_code == 403, named
        assert refused.json()["error"]["message"] == (
            f"an admin key works in its own workspace only, not in {named!r}"
        )
    for named in (own.key, own.id):
        assert admin.get("/api/v1/keys", headers={"X-Baton-Workspace": named}).status_code == 200
