"""The sources admin API: keys unique across the installation, write-only secrets sealed
at rest, every change audited, a test run that stores nothing, and who may do what."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.core.sealing import is_sealed
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, sources
from baton.teams import Role
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.sources.helpers import create, fixture, new_key, shopify, stored

SECRET = "shpss_never-shown-0123456789"


def test_create_replace_read_list_and_delete_with_the_secret_never_shown(
    engine: Engine, workspace: Workspace, client: httpx.Client, server: tuple[str, Any]
) -> None:
    key = new_key("shop")
    headers = bearer(workspace.admin_token)
    created = create(client, workspace.admin_token, key, preset="shopify", secret=SECRET,
                     name="Shop")  # fmt: skip
    base = server[1].settings.public_base()
    assert created["url"] == f"{base}/v1/sources/{key}/webhook"
    assert (created["preset"], created["name"], created["received"]) == ("shopify", "Shop", 0)
    # Left out, the secret stays; the name changes.
    replaced = client.put(f"/api/v1/sources/{key}", json={"preset": "shopify", "name": "Store"},
                          headers=headers)  # fmt: skip
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Store"
    assert client.get(f"/api/v1/sources/{key}", headers=headers).json()["name"] == "Store"
    listed = client.get("/api/v1/sources", headers=headers).json()["items"]
    assert [item["key"] for item in listed] == [key]
    with engine.connect() as connection:
        secret = connection.execute(select(sources.c.secret).where(sources.c.key == key)).scalar()
        trail = connection.execute(
            select(audit_log.c.action, audit_log.c.changes, audit_log.c.detail)
            .where(audit_log.c.workspace_id == workspace.id, audit_log.c.object_type == "source")
            .order_by(audit_log.c.at, audit_log.c.id)
        ).all()
    assert secret is not None
    assert is_sealed(secret)
    assert SECRET not in secret
    assert [(action, detail) for action, _, detail in trail] == [
        ("source.save", {"secret_replaced": True}),
        ("source.save", {"secret_replaced": False}),
    ]
    assert {"path": "name", "before": "Shop", "after": "Store"} in trail[1][1]
    # The secret still verifies after the replace that left it out.
    order = fixture("shopify_order")
    signed = shopify(SECRET, order, "orders/create")
    assert client.post(f"/v1/sources/{key}/webhook", content=order, headers=signed).is_success

    assert client.delete(f"/api/v1/sources/{key}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/sources/{key}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/sources/{key}", headers=headers).status_code == 404
    assert client.post(f"/v1/sources/{key}/webhook", content=order,
                       headers=signed).status_code == 404  # fmt: skip
    every_answer = orjson.dumps([created, replaced.json(), listed, [list(t) for t in trail]])
    assert SECRET.encode() not in every_answer


def test_a_key_is_unique_across_workspaces_and_well_formed(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    key = new_key("shop")
    create(client, workspace.admin_token, key, preset="shopify", secret=SECRET)
    with write_transaction(engine) as connection:
        other = create_workspace(connection, "other", clock)
        token = create_key(connection, other, KeyKind.ADMIN, clock.now())
    body = {"preset": "stripe", "secret": "whsec_their-own-secret"}
    taken = client.put(f"/api/v1/sources/{key}", json=body, headers=bearer(token))
    assert taken.status_code == 409
    assert taken.json()["error"]["field"] == "key"
    # Nor can the other workspace read, test or delete it.
    assert client.get(f"/api/v1/sources/{key}", headers=bearer(token)).status_code == 404
    assert client.delete(f"/api/v1/sources/{key}", headers=bearer(token)).status_code == 404
    sample: dict[str, Any] = {"payload": {}, "headers": {}}
    assert client.post(f"/api/v1/sources/{key}/test", json=sample,
                       headers=bearer(token)).status_code == 404  # fmt: skip
    for bad in ["short", "Upper-Case-Key", "-leading-hyphen", "x" * 65, "under_score_key"]:
        answer = client.put(f"/api/v1/sources/{bad}", json=body,
                            headers=bearer(workspace.admin_token))  # fmt: skip
        assert answer.status_code == 400, bad
        assert answer.json()["error"]["field"] == "key"
    needs_secret = client.put(f"/api/v1/sources/{new_key('s')}", json={"preset": "stripe"},
                              headers=bearer(workspace.admin_token))  # fmt: skip
    assert needs_secret.json()["error"]["field"] == "secret"
    unknown = client.put(f"/api/v1/sources/{new_key('s')}", json={"preset": "x", "secret": SECRET},
                         headers=bearer(workspace.admin_token))  # fmt: skip
    assert unknown.json()["error"]["field"] == "preset"
    stray = client.put(f"/api/v1/sources/{new_key('s')}",
                       json={"preset": "stripe", "secret": SECRET,
                             "mapping": {"rules": [{"event": "E", "email": "$.e"}]}},
                       headers=bearer(workspace.admin_token))  # fmt: skip
    assert stray.json()["error"]["field"] == "mapping"


def test_a_test_run_shows_events_and_identities_and_stores_nothing(
    engine: Engine, workspace: Workspace, client: httpx.Client
) -> None:
    key = new_key("shop")
    create(client, workspace.admin_token, key, preset="shopify", secret=SECRET)
    sample = {"payload": orjson.loads(fixture("shopify_order")),
              "headers": {"X-Shopify-Topic": "orders/paid"}}  # fmt: skip
    answer = client.post(f"/api/v1/sources/{key}/test", json=sample,
                         headers=bearer(workspace.admin_token))  # fmt: skip
    assert answer.status_code == 200, answer.text
    (event,) = answer.json()["events"]
    assert event["event"] == "Order Completed"
    assert event["messageId"] == "shopify:order:820982911946154508:completed"
    assert event["identities"] == {"email": "jon@example.com", "phone": "+16135551212",
                                   "shopify_customer_id": "115310627314723954"}  # fmt: skip
    assert event["properties"]["total"] == 398.0
    assert stored(engine, workspace.id) == []
    twilio_key = new_key("twilio")
    create(client, workspace.admin_token, twilio_key, preset="twilio", secret="auth-token-1")
    form = {"MessageSid": "SM1", "From": "whatsapp:+14155550100", "To": "whatsapp:+1500",
            "Body": "STOP"}  # fmt: skip
    answer = client.post(f"/api/v1/sources/{twilio_key}/test", json={"payload": form},
                         headers=bearer(workspace.admin_token))  # fmt: skip
    assert answer.json()["events"][0]["event"] == "WhatsApp Received"
    assert answer.json()["replies"] == [{"from": "+14155550100", "body": "STOP", "whatsapp": True}]
    assert stored(engine, workspace.id) == []


def test_presets_are_listed_and_only_integrators_manage_sources(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    with write_transaction(engine) as connection:
        keys = {
            role: create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=role)
            for role in (Role.DEVELOPER, Role.MARKETER, Role.VIEWER)
        }
    presets = client.get("/api/v1/sources/presets", headers=bearer(keys[Role.DEVELOPER]))
    assert [p["preset"] for p in presets.json()["items"]] == [
        "shopify", "stripe", "zendesk", "twilio", "generic"]  # fmt: skip
    body = {"preset": "stripe", "secret": "whsec_0123456789"}
    for role in (Role.MARKETER, Role.VIEWER):
        assert client.put(f"/api/v1/sources/{new_key('s')}", json=body,
                          headers=bearer(keys[role])).status_code == 403  # fmt: skip
        assert client.get("/api/v1/sources", headers=bearer(keys[role])).status_code == 403
    assert client.put(f"/api/v1/sources/{new_key('s')}", json=body,
                      headers=bearer(keys[Role.DEVELOPER])).status_code == 201  # fmt: skip
    assert client.get("/api/v1/sources").status_code == 401
