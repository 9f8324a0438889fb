"""Message templates over real HTTP, on both databases: CRUD, previews, deletion guard."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run

CART = """
channel: email
name: Cart reminder
subject: "{{ profile.traits.firstName | default: 'Hi' }}, your cart is waiting"
html: |
  <style>p { margin: 0 }</style>
  <p>{{ event.properties.sku }} for {{ event.properties.price | money: 'EUR' }}</p>
  <p>{{ workspace.company }}</p>
"""
YAML = {"Content-Type": "application/yaml"}


def test_templates_are_saved_listed_previewed_and_guarded(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    created = client.put("/api/v1/templates/cart", content=CART, headers={**admin, **YAML})
    assert created.status_code == 201, created.text
    assert created.json()["change"] == "created"
    again = client.put("/api/v1/templates/cart", content=CART, headers={**admin, **YAML})
    assert (again.status_code, again.json()["change"]) == (200, "unchanged")
    bad = client.put(
        "/api/v1/templates/cart",
        json={"channel": "email", "subject": "Hi {{ first_name }}", "text": "x"},
        headers=admin,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "subject"
    assert "line 1, column 7: unknown variable 'first_name'" in bad.json()["error"]["message"]
    assert client.get("/api/v1/templates/cart", headers=admin).json()["name"] == "Cart reminder"
    keys = [t["key"] for t in client.get("/api/v1/templates", headers=admin).json()["items"]]
    assert keys == ["cart"]

    client.put("/api/v1/policy", json={"constants": {"company": "Acme"}}, headers=admin)
    traits = {"first_name": "Ann", "email": "ann@example.com"}  # stored as firstName
    ingest(client, workspace, {"type": "identify", "userId": "ann", "traits": traits})
    run(engine, clock)
    preview = client.post(
        "/api/v1/templates/cart/preview",
        json={"email": "ann@example.com", "event": {"properties": {"sku": "A1", "price": 9}}},
        headers=admin,
    )
    assert preview.status_code == 200, preview.text
    found = preview.json()
    assert found["subject"] == "Ann, your cart is waiting"
    assert '<p style="margin: 0;">A1 for €9.00</p>' in found["html"]
    assert found["text"] == "A1 for €9.00\n\nAcme"
    nobody = client.post("/api/v1/templates/cart/preview", json={"email": "x@y.z"}, headers=admin)
    assert nobody.status_code == 404

    journey = {
        "name": "cart",
        "trigger": {"event": "Product Added"},
        "start": "send",
        "nodes": {"send": {"type": "message", "channel": "email", "template": "cart"}},
    }
    client.put("/api/v1/journeys/cart-journey", json=journey, headers=admin)
    used = client.delete("/api/v1/templates/cart", headers=admin)
    assert used.status_code == 409
    assert "cart-journey" in used.json()["error"]["message"]
    client.put(
        "/api/v1/journeys/cart-journey",
        json={**journey, "nodes": {"send": {"type": "exit"}}},
        headers=admin,
    )
    assert client.delete("/api/v1/templates/cart", headers=admin).status_code == 204
    assert client.get("/api/v1/templates/cart", headers=admin).status_code == 404
