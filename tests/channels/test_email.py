"""E-mail through a real SMTP server (aiosmtpd), on both databases: the cart reminder
arrives with a working one-click unsubscribe, and clicking it stops the next one."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from baton.channels.settings import EmailSettings, save_settings
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import Mailbox

CART = {
    "key": "cart",
    "name": "Cart",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed"},
    "start": "wait",
    "nodes": {
        "wait": {
            "type": "wait_for_event",
            "event": "Order Completed",
            "timeout": "1h",
            "timeout_next": "remind",
        },
        "remind": {
            "type": "message",
            "channel": "email",
            "template": "cart-reminder",
            "subscription_group": "promotions",
            "next": "later",
        },
        "later": {"type": "delay", "duration": "1d", "next": "again"},
        "again": {
            "type": "message",
            "channel": "email",
            "template": "cart-reminder",
            "subscription_group": "promotions",
        },
    },
}


def test_the_cart_reminder_arrives_and_one_click_unsubscribe_stops_the_next(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    inbox, port = smtp
    with write_transaction(engine) as connection:
        settings = EmailSettings(
            url=f"smtp://127.0.0.1:{port}",
            sender="Acme <news@acme.test>",
            security="none",
            links_url=str(client.base_url),
        )
        save_settings(connection, workspace.id, "email", settings, clock.now())
        template = {
            "key": "cart-reminder",
            "channel": "email",
            "subject": "{{ profile.traits.firstName }}, your {{ event.properties.name }} waits",
            "html": "<p>Still thinking about <b>{{ event.properties.name }}</b>?</p>",
        }
        save_template(connection, workspace.id, parse_template(template), clock.now())
    journey = publish(engine, clock, workspace.id, CART)
    deliver(
        engine,
        clock,
        workspace.id,
        identify("ann", clock.now(), first_name="Ann", email="ann@x.test"),
    )
    clock.advance(timedelta(seconds=1))
    deliver(
        engine, clock, workspace.id, track("ann", "Product Added", clock.now(), {"name": "Lamp"})
    )
    clock.advance(timedelta(hours=1))
    run(engine, clock)

    ((recipients, mail),) = inbox.received
    assert recipients == ["ann@x.test"]
    assert mail["Subject"] == "Ann, your Lamp waits"
    assert mail["From"] == "Acme <news@acme.test>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = re.fullmatch(r"<(.+/v1/unsubscribe/(\S+))>", mail["List-Unsubscribe"])
    assert match is not None
    url, token = match.groups()
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert "Still thinking about Lamp?" in str(parts["text/plain"].get_payload(decode=True))
    assert "<b>Lamp</b>" in str(parts["text/html"].get_payload(decode=True))
    (first,) = messages_of(engine, journey)
    assert first["status"] == "delivered"

    # Forged and scanned links do nothing; the one-click POST unsubscribes.
    forged = client.post(url[:-3] + "AAA", content="List-Unsubscribe=One-Click")
    assert forged.status_code == 400
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop receiving promotions e-mails?" in page.text
    clicked = client.post(
        url,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200, clicked.text
    ann = profile(engine, workspace.id, "ann")["id"]
    consent = client.get(
        f"/api/v1/profiles/{ann}/consent", headers=bearer(workspace.admin_token)
    ).json()
    assert consent["groups"]["promotions"]["subscribed"] is False
    (change,) = consent["history"]
    assert (change["source"], change["evidence"]["message_id"]) == ("unsubscribe_link", first["id"])
    assert token not in str(consent)

    clock.advance(timedelta(days=1))
    run(engine, clock)
    assert len(inbox.received) == 1
    later = messages_of(engine, journey)[1]
    assert (later["status"], later["reason"]) == ("skipped", "no_consent")


def test_consent_is_set_over_the_api_with_evidence(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    deliver(engine, clock, workspace.id, identify("bea", clock.now(), email="bea@x.test"))
    bea = profile(engine, workspace.id, "bea")["id"]
    admin = bearer(workspace.admin_token)
    opted = client.put(
        f"/api/v1/profiles/{bea}/consent/newsletter",
        json={"subscribed": True, "evidence": {"form": "footer", "ip": "203.0.113.9"}},
        headers=admin,
    )
    assert opted.status_code == 200, opted.text
    client.put(f"/api/v1/profiles/{bea}/consent/*", json={"subscribed": False}, headers=admin)
    found = client.get(f"/api/v1/profiles/{bea}/consent", headers=admin).json()
    assert found["groups"]["newsletter"]["subscribed"] is True
    assert found["groups"]["*"]["subscribed"] is False
    assert [c["group"] for c in found["history"]] == ["*", "newsletter"]
    assert found["history"][1]["evidence"] == {"form": "footer", "ip": "203.0.113.9"}
    bad = client.put(f"/api/v1/profiles/{bea}/consent/newsletter", json={"subscribed": "yes"},
                     headers=admin)  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "subscribed"
