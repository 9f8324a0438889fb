"""Message templates over real HTTP, on both databases: CRUD, previews, deletion guard."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from tests.api.test_profiles import bearer, ingest
from tests.channels.test_email import use_smtp
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import HttpServer, Mailbox

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


def test_a_linked_stylesheet_is_fetched_on_neither_save_preview_nor_send(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    admin = bearer(workspace.admin_token)
    css = b"p { color: red }"
    with HttpServer(lambda _: (200, {"Content-Type": "text/css"}, css)) as stylesheets:
        link = f'<link rel="stylesheet" href="{stylesheets.url}/brand.css">'
        template = {"channel": "email", "subject": "Hi", "html": link + "<p>Hi</p>"}
        saved = client.put("/api/v1/templates/styled", json=template, headers=admin)
        assert saved.status_code == 201, saved.text
        deliver(engine, clock, workspace.id, identify("ann", clock.now(), email="ann@x.test"))
        preview = client.post(
            "/api/v1/templates/styled/preview", json={"user_id": "ann"}, headers=admin
        )
        assert preview.status_code == 200, preview.text
        assert link in preview.json()["html"]
        assert "color: red" not in preview.json()["html"]

        with write_transaction(engine) as connection:
            use_smtp(connection, workspace.id, port, str(client.base_url), clock.now())
        journey = {"key": "styled", "name": "styled", "trigger": {"event": "Styled Go"},
                   "start": "send", "nodes": {"send": {"type": "message", "channel": "email",
                                                       "template": "styled"}}}  # fmt: skip
        published = publish(engine, clock, workspace.id, journey)
        deliver(engine, clock, workspace.id, track("ann", "Styled Go", clock.now()))
        (message,) = messages_of(engine, published)
        assert message["status"] == "delivered", message["detail"]
        ((_, mail),) = mailbox.received
        parts = {part.get_content_type(): part for part in mail.walk()}
        assert "color: red" not in str(parts["text/html"].get_payload(decode=True))
        assert stylesheets.requests == []


def test_an_unknown_stylesheet_host_or_css_that_cannot_be_inlined_is_never_a_500(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    html = (
        '<link rel="stylesheet" href="http://stylesheets.baton-test.invalid/brand.css">'
        '<style>p { margin: 0 }</style><p style="{{ profile.traits.style }}">Hi</p>'
    )
    template = {"channel": "email", "subject": "Hi", "html": html}
    saved = client.put("/api/v1/templates/unknown-host", json=template, headers=admin)
    assert saved.status_code == 201, saved.text
    traits = {"style": "color: blue"}
    ingest(client, workspace, {"type": "identify", "userId": "bo", "traits": traits})
    run(engine, clock)
    ask = {"user_id": "bo"}
    preview = client.post("/api/v1/templates/unknown-host/preview", json=ask, headers=admin)
    assert preview.status_code == 200, preview.text
    assert 'style="margin: 0;color: blue"' in preview.json()["html"]

    # A style attribute the CSS parser cannot read, from a trait.
    clock.advance(timedelta(seconds=1))
    traits = {"style": "{"}
    ingest(client, workspace, {"type": "identify", "userId": "bo", "traits": traits})
    run(engine, clock)
    broken = client.post("/api/v1/templates/unknown-host/preview", json=ask, headers=admin)
    assert broken.status_code == 400, broken.text
    error = broken.json()["error"]
    assert error["field"] == "html"
    assert error["message"].startswith("html: its CSS cannot be inlined: ")
    journey = {"key": "unknown-host", "name": "unknown-host", "trigger": {"event": "Go"},
               "start": "send", "nodes": {"send": {"type": "message", "channel": "email",
                                                   "template": "unknown-host"}}}  # fmt: skip
    published = publish(engine, clock, workspace.id, journey)
    deliver(engine, clock, workspace.id, track("bo", "Go", clock.now()))
    (message,) = messages_of(engine, published)
    assert message["status"] == "failed"
    assert "its CSS cannot be inlined" in message["detail"]


def test_a_draft_is_checked_everywhere_and_previewed_unsaved(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    ingest(
        client, workspace, {"type": "identify", "userId": "ann", "traits": {"first_name": "Ann"}}
    )
    run(engine, clock)
    draft = {
        "channel": "email",
        "subject": "Hi {{ name }}",
        "html": "<p>\n</p>\n<p>{{ profile.traits.firstName | upcasee }}</p>\n{% if profile.id %}",
    }
    checked = client.post(
        "/api/v1/templates/preview", json={"template": draft, "user_id": "ann"}, headers=admin
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["rendered"] is None
    assert [(p["part"], p["line"], p["column"]) for p in checked.json()["problems"]] == [
        ("subject", 1, 7),
        ("html", 4, 4),  # the syntax error stops the parse: the filter waits its turn
    ]
    assert checked.json()["problems"][1]["message"] == (
        "this block is never closed: add {% endif %}"
    )
    draft["html"] = "<p>\n</p>\n<p>{{ profile.traits.firstName | upcasee }}</p>"
    problems = client.post("/api/v1/templates/preview", json={"template": draft}, headers=admin)
    assert problems.json()["problems"][1] == {
        "part": "html",
        "line": 3,
        "column": 34,
        "message": "unknown filter 'upcasee'",
    }
    assert problems.json()["profile_id"] is None

    fixed = {**draft, "subject": "Hi {{ profile.traits.firstName }}"}
    fixed["html"] = fixed["html"].replace("upcasee", "upcase")
    shown = client.post(
        "/api/v1/templates/preview", json={"template": fixed, "user_id": "ann"}, headers=admin
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["problems"] == []
    assert shown.json()["rendered"]["subject"] == "Hi Ann"
    assert "<p>ANN</p>" in shown.json()["rendered"]["html"]
    assert client.get("/api/v1/templates/draft", headers=admin).status_code == 404

    for body, field in [
        ({"template": {"channel": "email", "text": "x"}}, None),
        ({"template": "not a mapping"}, None),
        ({"template": {**fixed, "key": "Bad Key"}}, "key"),
        ({"template": fixed, "user_id": "ann", "email": "a@b.c"}, "user_id"),
    ]:
        refused = client.post("/api/v1/templates/preview", json=body, headers=admin)
        assert refused.status_code == 400, refused.text
        if field is not None:
            assert refused.json()["error"]["field"] == field
    nobody = {"template": fixed, "email": "nobody@example.com"}
    assert client.post("/api/v1/templates/preview", json=nobody, headers=admin).status_code == 404
