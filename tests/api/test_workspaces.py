"""Workspaces over real HTTP, on both databases: the installation's owner creates and lists
them, each with its own keys; a workspace is renamed, its approvals set, and deleted with
everything in it, while another workspace keeps all of its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Column, Engine, String, Table, insert, select

from baton.core.clock import ManualClock
from baton.core.errors import Conflict
from baton.runtime import Runtime
from baton.storage.database import connect, write_transaction
from baton.storage.tables import audit_log, events, metadata, split_allocations
from baton.teams import Role, create_user, grant
from baton.workspaces import KeyKind, create_key, delete_workspace, ensure_default_workspace
from tests.api.test_isolation import SETUP, fill, naming, owned_ids, rows_of, tenant
from tests.api.test_login import PASSWORD, sign_in
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic


@pytest.fixture
def browser(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


def installation_owner(engine: Engine, clock: ManualClock, browser: httpx.Client) -> dict[str, str]:
    """Sign in, in `browser`, someone who owns the installation and no workspace; the
    headers their changes carry."""
    email = f"root-{secrets.token_hex(4)}@example.com"
    with write_transaction(engine) as connection:
        create_user(connection, email, "", clock.now(), password=PASSWORD, installation_owner=True)
    return {"X-CSRF-Token": sign_in(browser, email)}


def _entries(engine: Engine, workspace_id: str | None, action: str) -> list[Any]:
    with engine.connect() as connection:
        where = audit_log.c.workspace_id.is_(None) if workspace_id is None else (
            audit_log.c.workspace_id == workspace_id
        )  # fmt: skip
        query = select(audit_log).where(where, audit_log.c.action == action)
        return list(connection.execute(query.order_by(audit_log.c.id)))


def test_the_installation_owner_creates_a_workspace_whose_keys_open_it_alone(
    client: httpx.Client, engine: Engine, clock: ManualClock, browser: httpx.Client
) -> None:
    owner = installation_owner(engine, clock, browser)
    key = f"acme-{secrets.token_hex(3)}"
    made = browser.post("/api/v1/workspaces", json={"name": " Acme Shop ", "key": key},
                        headers=owner)  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    workspace = body["workspace"]
    assert (workspace["key"], workspace["name"], workspace["timezone"]) == (key, "Acme Shop", "UTC")
    assert workspace["require_approval"] == []
    assert workspace["is_default"] is False
    assert body["write_key"].startswith("bw_")
    assert body["admin_key"].startswith("ba_")

    shown = client.get("/api/v1/workspace", headers=bearer(body["admin_key"]))
    assert shown.json() == workspace
    tracked = client.post("/v1/track", json={"userId": "u1", "event": "Hello"},
                          headers=basic(body["write_key"]))  # fmt: skip
    assert tracked.status_code == 200, tracked.text
    with engine.connect() as connection:
        stored = connection.execute(select(events.c.workspace_id).where(events.c.user_id == "u1"))
        assert workspace["id"] in set(stored.scalars())
    me = browser.get("/api/v1/auth/me").json()
    mine = {(w["id"], w["key"], w["name"], w["role"]) for w in me["workspaces"]}
    assert (workspace["id"], key, "Acme Shop", "owner") in mine
    (entry,) = _entries(engine, workspace["id"], "workspace.create")
    assert (entry.actor_id, entry.object_id) == (me["user"]["id"], workspace["id"])
    made_by = {"key": key, "name": "Acme Shop", "owner": me["user"]["id"]}
    assert entry.changes == [{"path": "", "before": None, "after": made_by}]

    again = browser.post("/api/v1/workspaces", json={"name": "Other", "key": key}, headers=owner)
    assert (again.status_code, again.json()["error"]["field"]) == (409, "key")
    slugged = browser.post("/api/v1/workspaces", json={"name": "Acme Shop"}, headers=owner)
    assert slugged.json()["workspace"]["key"].startswith("acme-shop")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Shop", "key": "Not A Key"}, "key"),
        ({"name": "Shop", "key": "-dash"}, "key"),
        ({"name": "Shop", "key": "k" * 65}, "key"),
        ({"name": "Shop", "owner": "me"}, "owner"),
    ],
)
def test_a_new_workspace_needs_a_name_and_a_well_formed_key(
    engine: Engine, clock: ManualClock, browser: httpx.Client, body: dict[str, Any], field: str
) -> None:
    owner = installation_owner(engine, clock, browser)
    refused = browser.post("/api/v1/workspaces", json=body, headers=owner)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["field"] == field


def test_only_the_installation_owner_creates_and_lists_workspaces(
    client: httpx.Client, engine: Engine, clock: ManualClock, browser: httpx.Client
) -> None:
    owners = tenant(engine, clock)  # an owner of a workspace, not of the installation
    signed_in = {"X-CSRF-Token": sign_in(browser, owners.owner_email)}
    for caller, headers in ((browser, signed_in), (client, owners.admin)):
        created = caller.post("/api/v1/workspaces", json={"name": "Mine"}, headers=headers)
        assert created.status_code == 403, created.text
        assert "installation's owner" in created.json()["error"]["message"]
        assert caller.get("/api/v1/workspaces", headers=headers).status_code == 403


def test_workspaces_are_listed_in_pages_by_key(
    engine: Engine, clock: ManualClock, browser: httpx.Client
) -> None:
    owner = installation_owner(engine, clock, browser)
    prefix = f"page-{secrets.token_hex(3)}"
    for n in (3, 1, 2):
        made = browser.post("/api/v1/workspaces", json={"name": f"{prefix} {n}"}, headers=owner)
        assert made.status_code == 201, made.text
    first = browser.get("/api/v1/workspaces", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    assert first["next"]
    second = browser.get("/api/v1/workspaces", params={"limit": 2, "cursor": first["next"]})
    keys = [w["key"] for w in first["items"] + second.json()["items"]]
    assert keys == sorted(keys)
    assert len(set(keys)) == 4
    every = browser.get("/api/v1/workspaces", params={"limit": 500}).json()["items"]
    assert [w["key"] for w in every if w["key"].startswith(prefix)] == [
        f"{prefix}-1", f"{prefix}-2", f"{prefix}-3",
    ]  # fmt: skip
    bad = browser.get("/api/v1/workspaces", params={"cursor": "AA"})  # NUL
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "cursor")


def test_the_workspace_is_renamed_and_its_approvals_set_with_an_audit_entry_each(
    client: httpx.Client, engine: Engine, clock: ManualClock
) -> None:
    mine = tenant(engine, clock)
    with write_transaction(engine) as connection:
        admin = create_key(connection, mine.id, KeyKind.ADMIN, clock.now(), role=Role.ADMIN)
        viewer = create_key(connection, mine.id, KeyKind.ADMIN, clock.now(), role=Role.VIEWER)
    change = {"name": "Renamed", "require_approval": ["templates", "journeys", "journeys"]}
    changed = client.patch("/api/v1/workspace", json=change, headers=bearer(admin))
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Renamed"
    assert changed.json()["require_approval"] == ["journeys", "templates"]
    assert changed.json()["key"] == mine.key  # the key stays
    assert client.get("/api/v1/workspace", headers=bearer(viewer)).json() == changed.json()

    (renamed,) = _entries(engine, mine.id, "workspace.rename")
    assert renamed.changes == [{"path": "name", "before": f"Tenant {mine.tag}", "after": "Renamed"}]
    (settings,) = _entries(engine, mine.id, "workspace.settings")
    assert settings.changes == [{"path": "require_approval", "before": [],
                                 "after": ["journeys", "templates"]}]  # fmt: skip
    same = client.patch("/api/v1/workspace", json=change, headers=bearer(admin))
    assert same.status_code == 200
    assert len(_entries(engine, mine.id, "workspace.rename")) == 1  # nothing changed
    cleared = client.patch(
        "/api/v1/workspace", json={"require_approval": []}, headers=bearer(admin)
    )
    assert cleared.json()["require_approval"] == []

    for body, field in [
        ({"require_approval": ["everything"]}, "require_approval.0"),
        ({"require_approval": "journeys"}, "require_approval"),
        ({"name": ""}, "name"),
        ({"name": " "}, "name"),
        ({"key": "another"}, "key"),
    ]:
        refused = client.patch("/api/v1/workspace", json=body, headers=bearer(admin))
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["error"]["field"] == field
    denied = client.patch("/api/v1/workspace", json={"name": "Mine"}, headers=bearer(viewer))
    assert denied.status_code == 403


def test_deleting_needs_the_owner_and_the_workspace_key_as_confirmation(
    client: httpx.Client, engine: Engine, clock: ManualClock
) -> None:
    mine = tenant(engine, clock)
    with write_transaction(engine) as connection:
        admin = create_key(connection, mine.id, KeyKind.ADMIN, clock.now(), role=Role.ADMIN)
    url = "/api/v1/workspace"
    denied = client.delete(url, params={"confirm": mine.key}, headers=bearer(admin))
    assert denied.status_code == 403
    assert "may not delete workspace" in denied.json()["error"]["message"]
    for params in ({}, {"confirm": ""}, {"confirm": mine.id}, {"confirm": "default"}):
        refused = client.delete(url, params=params, headers=mine.admin)
        assert refused.status_code == 400, (params, refused.text)
        assert refused.json()["error"]["field"] == "confirm"
    assert client.get(url, headers=mine.admin).json()["id"] == mine.id
    done = client.delete(url, params={"confirm": mine.key}, headers=mine.admin)
    assert done.status_code == 200, done.text
    assert done.json()["deleted"]["key"] == mine.key
    assert client.get(url, headers=mine.admin).status_code == 401  # its keys went with it


def test_deletion_erases_every_row_of_the_workspace_and_nothing_of_another(
    server: tuple[str, Runtime], engine: Engine, clock: ManualClock, browser: httpx.Client
) -> None:
    url, runtime = server
    store = runtime.analytics
    assert store is not None
    doomed, kept = tenant(engine, clock), tenant(engine, clock)
    with httpx.Client(base_url=url, timeout=30) as client:
        fill(client, engine, clock, runtime, doomed)
        fill(client, engine, clock, runtime, kept)
    with write_transaction(engine) as connection:
        # A split the journey made (a journey's row without a workspace_id of its own).
        connection.execute(insert(split_allocations).values(
            journey_id=doomed.names["journey_id"], node="split", at=clock.now(),
            weights={"a": 1.0}, evidence={}, reason="thompson",
        ))  # fmt: skip
        # Its owner also views the other workspace.
        grant(connection, kept.id, doomed.names["owner_id"], Role.VIEWER, clock.now())
    csrf = sign_in(browser, doomed.owner_email)
    chosen = browser.post("/api/v1/auth/workspace", json={"workspace": doomed.key},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert chosen.status_code == 200, chosen.text
    doomed_ids = owned_ids(engine, doomed.id)
    held = rows_of(engine, doomed.id)
    assert {"events", "profiles", "messages", "journey_steps", "split_allocations"} <= set(held)
    kept_before = rows_of(engine, kept.id)
    in_store = "SELECT count(*) FROM events WHERE workspace_id = ?"
    kept_in_store = store.rows(in_store, [kept.id])
    assert store.rows(in_store, [doomed.id])[0][0] > 0

    gone = browser.delete("/api/v1/workspace", params={"confirm": doomed.key},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert gone.status_code == 200, gone.text
    assert gone.json()["rows"]["events"] == len(held["events"])

    left = _mentioning(engine, doomed_ids)
    (entry,) = left.pop("audit_log")
    assert (entry["workspace_id"], entry["action"]) == (None, "workspace.delete")
    assert (entry["detail"]["key"], entry["detail"]["name"]) == (doomed.key, f"Tenant {doomed.tag}")
    assert entry["actor_id"] == doomed.names["owner_id"]
    (session,) = left.pop("sessions")  # signed in still, in no workspace of its own choosing
    assert session["workspace_id"] is None
    (receipt,) = left.pop("erasures")  # no personal data; has the files compacted
    assert (receipt["id"], receipt["profile_ids"]) == (entry["detail"]["erasure_id"], [])
    assert receipt["compacted_at"] is None
    assert left == {}
    assert rows_of(engine, kept.id) == kept_before
    assert store.rows(in_store, [doomed.id]) == [(0,)]
    assert store.rows(in_store, [kept.id]) == kept_in_store

    me = browser.get("/api/v1/auth/me").json()
    assert (me["workspace"]["id"], me["workspace"]["role"]) == (kept.id, "viewer")
    assert browser.get("/api/v1/auth/me").json()["workspaces"] == [me["workspace"]]
    assert browser.get("/api/v1/workspace").json()["id"] == kept.id
    # Its keys stop at once; the other's go on.
    assert browser.get("/api/v1/workspace", headers=doomed.admin).status_code == 401
    track = {"userId": "late", "event": "Late"}
    refused = browser.post("/v1/track", json=track, headers=basic(doomed.write_key))
    assert refused.status_code == 401
    assert browser.post("/v1/track", json=track, headers=basic(kept.write_key)).status_code == 200
    assert browser.get("/api/v1/workspace", headers=kept.admin).json()["id"] == kept.id


def _mentioning(engine: Engine, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table with one of `ids` in a text column."""
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            named = connection.execute(select(table).where(naming(table, ids))).mappings()
            rows = [dict(row) for row in named]
            if rows:
                found[table.name] = rows
    return found


def test_deletion_refuses_to_run_while_a_table_is_unaccounted_for(
    engine: Engine, clock: ManualClock
) -> None:
    """A new table whose rows hang off a workspace's rows: until deletion knows how, it
    deletes nothing rather than leave them behind."""
    doomed = tenant(engine, clock)
    forgotten = Table("forgotten_notes", metadata, Column("journey_id", String(40)))
    try:
        with pytest.raises(RuntimeError, match="forgotten_notes"):
            delete_workspace(engine, doomed.key, SETUP, clock.now())
    finally:
        metadata.remove(forgotten)
    assert rows_of(engine, doomed.id)["workspaces"]
    assert delete_workspace(engine, doomed.key, SETUP, clock.now()).workspace.id == doomed.id


def test_the_default_workspace_is_never_deleted(own_database: str, clock: ManualClock) -> None:
    engine = connect(own_database)
    try:
        with write_transaction(engine) as connection:
            default = ensure_default_workspace(connection, clock).workspace_id
        with pytest.raises(Conflict, match=r"the command line .* works in it"):
            delete_workspace(engine, "default", SETUP, clock.now())
        assert rows_of(engine, default)["workspaces"]
    finally:
        engine.dispose()


def test_a_member_of_two_workspaces_has_the_role_of_the_one_they_work_in(
    engine: Engine, clock: ManualClock, browser: httpx.Client
) -> None:
    owned, viewed = tenant(engine, clock), tenant(engine, clock)
    with write_transaction(engine) as connection:
        grant(connection, viewed.id, owned.names["owner_id"], Role.VIEWER, clock.now())
    csrf = {"X-CSRF-Token": sign_in(browser, owned.owner_email)}
    rename = {"name": "Their name"}
    for workspace, status in ((viewed, 403), (owned, 200)):
        chosen = {**csrf, "X-Baton-Workspace": workspace.key}
        assert browser.get("/api/v1/workspace", headers=chosen).json()["id"] == workspace.id
        changed = browser.patch("/api/v1/workspace", json=rename, headers=chosen)
        assert changed.status_code == status, changed.text
    for workspace, role, status in ((viewed, "viewer", 403), (owned, "owner", 200)):
        switched = browser.post("/api/v1/auth/workspace", json={"workspace": workspace.id},
                                headers=csrf)  # fmt: skip
        assert switched.json()["workspace"]["role"] == role
        assert browser.get("/api/v1/workspace").json()["id"] == workspace.id
        assert browser.patch("/api/v1/workspace", json=rename, headers=csrf).status_code == status
    # Deleting is the owner's: refused as a viewer, though the key is right.
    as_viewer = {**csrf, "X-Baton-Workspace": viewed.key}
    refused = browser.delete("/api/v1/workspace", params={"confirm": viewed.key},
                             headers=as_viewer)  # fmt: skip
    assert refused.status_code == 403
