"""The audit trail over real HTTP, on both databases: who changed what, from where, with
the diff; filters and pages; no secret in it; erasure blanks the values it held."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from baton.channels import load_settings
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.teams import Role
from baton.workspaces import KeyKind, create_key, create_workspace, list_keys
from tests.api.test_journeys import ONBOARDING, YAML
from tests.api.test_login import PASSWORD, make_user, sign_in
from tests.api.test_profiles import bearer, ingest
from tests.api.test_segments import BIG_SPENDERS
from tests.conftest import Workspace, process_all


@pytest.fixture
def staff(server_url: str) -> Iterator[httpx.Client]:
    """A second browser, for a second person."""
    with httpx.Client(base_url=server_url, timeout=10) as browser:
        yield browser


def trail(client: httpx.Client, workspace: Workspace, **filters: Any) -> list[dict[str, Any]]:
    """Every entry the filters select, newest first, read with the admin key."""
    answer = client.get("/api/v1/audit", params=filters, headers=bearer(workspace.admin_token))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def key_id(engine: Engine, workspace: Workspace) -> str:
    with engine.connect() as connection:
        (found,) = [k for k in list_keys(connection, workspace.id) if k.kind is KeyKind.ADMIN]
    return found.id


def test_a_journey_saved_published_and_paused_by_a_person_is_in_the_trail(
    engine: Engine, clock: ManualClock, staff: httpx.Client, workspace: Workspace
) -> None:
    email = f"{workspace.id}-marketer@example.com"
    user_id = make_user(engine, clock, workspace.id, Role.MARKETER, email)
    csrf = {"X-CSRF-Token": sign_in(staff, email)}
    url = "/api/v1/journeys/onboarding"
    assert staff.put(url, content=ONBOARDING, headers={**csrf, **YAML}).status_code == 201
    assert staff.post(f"{url}/pause", headers=csrf).status_code == 409  # refused: no entry
    assert staff.post(f"{url}/publish", headers=csrf).status_code == 200
    assert staff.post(f"{url}/pause", headers=csrf).status_code == 200
    # Reading and trying out change nothing, and are not recorded.
    assert staff.get(url).status_code == 200
    tried = staff.post(f"{url}/test-run", json={"profile_id": "prof_none"}, headers=csrf)
    assert tried.status_code == 404

    paused, published, saved = trail(staff, workspace, object="journey:onboarding")
    assert [e["action"] for e in (paused, published, saved)] == [
        "journey.pause", "journey.publish", "journey.save"
    ]  # fmt: skip
    for entry in (paused, published, saved):
        assert entry["actor"] == {
            "type": "user", "id": user_id, "label": email, "address": "127.0.0.1"
        }  # fmt: skip
        assert entry["object"] == {"type": "journey", "id": "onboarding"}
        assert entry["workspace_id"] == workspace.id
    (created,) = saved["changes"]
    assert created["path"] == ""
    assert created["before"] is None
    assert created["after"]["status"] == "draft"
    assert created["after"]["definition"]["nodes"]["nudge_later"]["duration"] == "2d"
    changed = {c["path"]: (c["before"], c["after"]) for c in published["changes"]}
    assert changed["status"] == ("draft", "published")
    assert changed["published_version"] == (None, 1)
    changed = {c["path"]: (c["before"], c["after"]) for c in paused["changes"]}
    assert changed["status"] == ("published", "paused")
    # The person's sign-in is in the workspace's trail too.
    by_email = trail(staff, workspace, actor=email.upper())
    assert [e["action"] for e in by_email] == [
        "journey.pause", "journey.publish", "journey.save", "login"
    ]  # fmt: skip
    assert by_email[-1]["workspace_id"] is None
    assert trail(staff, workspace, actor=user_id) == by_email


def test_a_change_made_with_a_key_names_the_key(
    engine: Engine, client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    policy = {"constants": {"company": "Acme"}}
    assert client.put("/api/v1/policy", json=policy, headers=admin).status_code == 200
    (entry,) = trail(client, workspace, action="policy.save")
    key = key_id(engine, workspace)
    assert entry["actor"]["type"] == "key"
    assert entry["actor"]["id"] == key
    assert entry["object"] == {"type": "policy", "id": None}
    assert entry["changes"] == [{"path": "constants.company", "before": None, "after": "Acme"}]
    assert trail(client, workspace, actor=key) == [entry]


def test_segments_are_recorded_when_saved_and_deleted_but_not_when_previewed(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    assert client.post("/api/v1/segments/preview", json=BIG_SPENDERS, headers=admin).is_success
    assert trail(client, workspace) == []
    assert client.post("/api/v1/segments", json=BIG_SPENDERS, headers=admin).status_code == 201
    cheaper = {**BIG_SPENDERS, "condition": {**BIG_SPENDERS["condition"], "value": 100}}
    assert client.put("/api/v1/segments/big-spenders", json=cheaper, headers=admin).is_success
    assert client.delete("/api/v1/segments/big-spenders", headers=admin).status_code == 204
    deleted, changed, created = trail(client, workspace, object="segment:big-spenders")
    assert [e["action"] for e in (deleted, changed, created)] == [
        "segment.delete", "segment.save", "segment.save"
    ]  # fmt: skip
    assert {c["path"]: c["after"] for c in changed["changes"]}["definition.condition.value"] == 100
    (gone,) = deleted["changes"]
    assert gone["after"] is None
    assert gone["before"]["key"] == "big-spenders"


def test_evaluating_a_segment_again_is_recorded_as_an_action(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    assert client.post("/api/v1/segments", json=BIG_SPENDERS, headers=admin).status_code == 201
    again = client.post("/api/v1/segments/big-spenders/evaluate", headers=admin)
    assert again.status_code == 202
    evaluated, _ = trail(client, workspace, object="segment:big-spenders")
    assert evaluated["action"] == "segment.evaluate"
    assert evaluated["actor"]["type"] == "key"


def test_templates_are_recorded_when_saved_and_deleted(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    template = {"channel": "email", "subject": "Hi", "text": "Hello"}
    url = "/api/v1/templates/hello"
    assert client.put(url, json=template, headers=admin).status_code == 201
    assert client.put(url, json={**template, "subject": "Hey"}, headers=admin).is_success
    assert client.delete(url, headers=admin).status_code == 204
    deleted, changed, created = trail(client, workspace, object="template:hello")
    assert [e["action"] for e in (deleted, changed, created)] == [
        "template.delete", "template.save", "template.save"
    ]  # fmt: skip
    assert created["changes"][0]["before"] is None
    assert {c["path"]: (c["before"], c["after"]) for c in changed["changes"]}["subject"] == (
        "Hi", "Hey"
    )  # fmt: skip
    assert deleted["changes"][0]["after"] is None


def test_filters_and_pages(
    engine: Engine,
    clock: ManualClock,
    client: httpx.Client,
    staff: httpx.Client,
    workspace: Workspace,
) -> None:
    admin = bearer(workspace.admin_token)
    started = clock.now()
    for n in range(1, 6):
        clock.advance(timedelta(minutes=1))
        policy = {"constants": {"company": f"Acme {n}"}}
        assert client.put("/api/v1/policy", json=policy, headers=admin).status_code == 200
    clock.advance(timedelta(minutes=1))
    client.post("/api/v1/identity-secret", headers=admin)
    # Another workspace's changes and its members' sign-ins are not this one's.
    with write_transaction(engine) as connection:
        other = create_workspace(connection, "other", clock)
        other_key = create_key(connection, other, KeyKind.ADMIN, clock.now())
    assert client.put("/api/v1/policy", json={}, headers=bearer(other_key)).status_code == 200
    stranger = f"{other}-stranger@example.com"
    make_user(engine, clock, other, Role.ADMIN, stranger)
    csrf = {"X-CSRF-Token": sign_in(staff, stranger)}
    wrong = {"email": stranger, "password": "x" * 20}
    assert staff.post("/api/v1/auth/login", json=wrong).status_code == 401
    change = {"current_password": PASSWORD, "new_password": "a whole new battery staple horse"}
    assert staff.post("/api/v1/auth/password", json=change, headers=csrf).status_code == 200

    everything = trail(client, workspace)
    assert [e["action"] for e in everything] == ["identity_secret.rotate"] + ["policy.save"] * 5
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/audit", params=params, headers=admin).json()
        pages.append(page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 2]
    assert [e for p in pages for e in p] == everything

    assert len(trail(client, workspace, object="policy")) == 5
    assert trail(client, workspace, object="identity_secret") == everything[:1]
    assert trail(client, workspace, action="identity_secret.rotate") == everything[:1]
    window = {"from": (started + timedelta(minutes=2)).isoformat(),
              "to": (started + timedelta(minutes=4)).isoformat()}  # fmt: skip
    assert trail(client, workspace, **window) == everything[3:5]
    assert trail(client, workspace, actor="nobody@example.com") == []
    bad = client.get("/api/v1/audit", params={"from": "yesterday"}, headers=admin)
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "from")
    bad = client.get("/api/v1/audit", params={"cursor": "__8"}, headers=admin)
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "cursor")


def test_channel_settings_are_recorded_with_their_secrets_masked(
    engine: Engine, client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    email = {
        "url": "smtp://mailer:smtp-password-0451@mail.example.com",
        "sender": "news@acme.example",
        "links_url": "https://baton.acme.example",
        "link_secret": "link-secret-of-the-audit-test",
    }
    webhook = {"secret": "whsec_" + "c2VjcmV0LW9mLXRoZS13ZWJob29rLXRlc3Q="}
    assert client.put("/api/v1/channels/email", json=email, headers=admin).status_code == 200
    assert client.put("/api/v1/channels/webhook", json=webhook, headers=admin).status_code == 200
    rotated = client.put(
        "/api/v1/channels/email", json={**email, "rotate": ["link_secret"]}, headers=admin
    )
    assert rotated.status_code == 200, rotated.text
    made = client.post("/api/v1/identity-secret", headers=admin).json()["secret"]

    entries = trail(client, workspace)
    assert [e["action"] for e in entries] == [
        "identity_secret.rotate", "channel.settings", "channel.settings", "channel.settings"
    ]  # fmt: skip
    rotation = entries[1]
    assert rotation["object"] == {"type": "channel", "id": "email"}
    (retired,) = rotation["changes"]
    assert retired["path"] == "retired.link_secret"
    assert set(retired["after"][0]) == {"until"}
    first = entries[3]["changes"][0]["after"]
    assert first["url"] == "smtp://mailer:********@mail.example.com"
    assert first["link_secret"] == first["feedback_secret"] == "********"
    with engine.connect() as connection:
        stored = load_settings(connection, workspace.id)
    secrets = [
        "smtp-password-0451",
        email["link_secret"],
        stored["email"].link_secret,
        stored["email"].feedback_secret,
        webhook["secret"],
        made,
    ]
    text = orjson.dumps(entries).decode()
    assert [secret for secret in secrets if secret in text] == []


def test_consent_changed_by_staff_and_exports_survive_an_erasure_blanked(
    engine: Engine,
    clock: ManualClock,
    client: httpx.Client,
    staff: httpx.Client,
    workspace: Workspace,
) -> None:
    email = f"{workspace.id}-admin@example.com"
    make_user(engine, clock, workspace.id, Role.ADMIN, email)
    csrf = {"X-CSRF-Token": sign_in(staff, email)}
    ingest(client, workspace, {"type": "identify", "userId": "ada",
                               "traits": {"email": "ada.lovelace@example.com"}})  # fmt: skip
    process_all(engine, clock)
    person = staff.get("/api/v1/profiles/lookup", params={"user_id": "ada"}).json()["id"]
    evidence = {"form": "signup of ada.lovelace@example.com", "ip": "198.51.100.23"}
    consent = staff.put(f"/api/v1/profiles/{person}/consent/news", headers=csrf,
                        json={"subscribed": False, "evidence": evidence})  # fmt: skip
    assert consent.status_code == 200, consent.text
    assert staff.get(f"/api/v1/profiles/{person}/export").status_code == 200
    journey = "/api/v1/journeys/onboarding"
    assert staff.put(journey, content=ONBOARDING, headers={**csrf, **YAML}).status_code == 201
    assert staff.post(f"{journey}/publish", headers=csrf).status_code == 200
    entry = {"profile_id": person, "properties": {"note": "for ada.lovelace"}}
    assert staff.post(f"{journey}/enter", json=entry, headers=csrf).status_code == 201
    (entered,) = trail(client, workspace, action="journey.enter")
    assert entered["profile_id"] == person
    assert entered["detail"]["properties"] == {"note": "for ada.lovelace"}

    exported, changed = trail(client, workspace, object=f"profile:{person}")
    assert (changed["action"], changed["profile_id"]) == ("consent.change", person)
    assert changed["detail"] == {"group": "news", "pending_confirmation": False,
                                 "evidence": evidence}  # fmt: skip
    (subscription,) = changed["changes"]
    assert subscription["after"]["subscribed"] is False
    assert (exported["action"], exported["profile_id"]) == ("profile.export", person)
    assert "ada.lovelace" in orjson.dumps(trail(client, workspace)).decode()

    erased = staff.delete(f"/api/v1/profiles/{person}", headers=csrf)
    assert erased.status_code == 200, erased.text
    erasure, exported_after, changed_after = trail(client, workspace, object=f"profile:{person}")
    assert erasure["action"] == "profile.erase"
    assert erasure["detail"]["erasure_id"] == erased.json()["erasure_id"]
    assert erasure["detail"]["profile_ids"] == [person]
    # Who did what to whom and when stays; what it held is gone.
    assert exported_after == exported
    assert {k: v for k, v in changed_after.items() if k not in ("changes", "detail")} == {
        k: v for k, v in changed.items() if k not in ("changes", "detail")
    }
    assert changed_after["detail"] == {
        "group": "[erased]", "pending_confirmation": "[erased]", "evidence": "[erased]"
    }  # fmt: skip
    assert changed_after["changes"] == [
        {"path": subscription["path"], "before": None, "after": "[erased]"}
    ]
    (entered_after,) = trail(client, workspace, action="journey.enter")
    assert entered_after["detail"] == {"instance_id": "[erased]", "properties": "[erased]"}
    text = orjson.dumps(trail(client, workspace)).decode()
    assert "ada.lovelace" not in text
    assert "198.51.100.23" not in text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MARKETER, Role.DEVELOPER, Role.ANALYST])
def test_only_owners_and_admins_read_the_trail(
    engine: Engine, clock: ManualClock, staff: httpx.Client, workspace: Workspace, role: Role
) -> None:
    email = f"{workspace.id}-{role}@example.com"
    make_user(engine, clock, workspace.id, role, email)
    sign_in(staff, email)
    refused = staff.get("/api/v1/audit")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == f"the {role} role may not manage users"
    with write_transaction(engine) as connection:
        key = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=role)
    assert staff.get("/api/v1/audit", headers=bearer(key)).status_code == 403


def test_an_owner_reads_the_sign_ins_and_account_changes_of_members(
    engine: Engine, clock: ManualClock, staff: httpx.Client, workspace: Workspace
) -> None:
    email = f"{workspace.id}-owner@example.com"
    owner = make_user(engine, clock, workspace.id, Role.OWNER, email)
    csrf = {"X-CSRF-Token": sign_in(staff, email)}
    wrong = staff.post("/api/v1/auth/login", json={"email": email, "password": "x" * 20})
    assert wrong.status_code == 401
    change = {"current_password": PASSWORD, "new_password": "a whole new battery staple horse"}
    assert staff.post("/api/v1/auth/password", json=change, headers=csrf).status_code == 200
    entries = staff.get("/api/v1/audit").json()["items"]
    assert [(e["action"], e["actor"]["label"]) for e in entries] == [
        ("user.password_changed", email), ("login.failed", email), ("login", email)
    ]  # fmt: skip
    assert entries[0]["object"] == {"type": "user", "id": owner}
    assert {e["workspace_id"] for e in entries} == {None}
    changes = staff.get("/api/v1/audit", params={"sign_ins": "false"}).json()["items"]
    assert [e["action"] for e in changes] == ["user.password_changed"]
