"""E-mail through a real SMTP server (aiosmtpd), on both databases: the cart reminder
arrives with a working one-click unsubscribe, and clicking it stops the next one."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, Engine

from baton.channels.settings import EmailSettings, save_settings
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.workspaces.policy import parse_policy, save_policy
from tests.api.test_profiles import bearer
from tests.channels.helpers import timeline
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import Mailbox


def use_smtp(
    connection: Connection,
    workspace_id: str,
    port: int,
    links_url: str,
    now: datetime,
    **settings: Any,
) -> None:
    """Send the workspace's e-mail to the test SMTP server."""
    email = EmailSettings(url=f"smtp://127.0.0.1:{port}", sender="Acme <news@acme.test>",
                          security="none", links_url=links_url, **settings,
                          allow=["127.0.0.1"])  # fmt: skip
    save_settings(connection, workspace_id, "email", email, now)


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
        use_smtp(connection, workspace.id, port, str(client.base_url), clock.now())
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


def test_opens_and_clicks_are_recorded_through_signed_links_and_bounces_suppress(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    with write_transaction(engine) as connection:
        use_smtp(connection, workspace.id, port, str(client.base_url), clock.now(),
                 feedback_secret="feedback-secret-123")  # fmt: skip
        link = '<a href="https://shop.example/sale?a=1&b=2">Sale</a>'
        template = {"key": "news", "channel": "email", "subject": "News", "html": link}
        save_template(connection, workspace.id, parse_template(template), clock.now())
    send = {"type": "message", "channel": "email", "template": "news"}
    definition = {"key": "news", "name": "News", "trigger": {"event": "Go"}, "start": "send"}
    news = publish(engine, clock, workspace.id, {**definition, "nodes": {"send": send}})
    deliver(engine, clock, workspace.id, identify("dee", clock.now(), email="dee@example.com"))
    deliver(engine, clock, workspace.id, track("dee", "Go", clock.now()))
    ((_, mail),) = mailbox.received
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True)
    assert isinstance(body, bytes)
    body = body.decode()
    assert "shop.example" not in body  # every link goes through Baton
    (click_url,) = re.findall(r'href="([^"]+/v1/e/c/[^"]+)"', body)
    (pixel_url,) = re.findall(r'src="([^"]+/v1/e/o/[^"]+)"', body)

    for _ in range(2):  # mail clients fetch twice; the first counts
        pixel = client.get(pixel_url)
        assert (pixel.status_code, pixel.headers["content-type"]) == (200, "image/gif")
        redirect = client.get(click_url, follow_redirects=False)
        assert redirect.status_code == 302
        assert redirect.headers["location"] == "https://shop.example/sale?a=1&b=2"
    tampered = click_url[:-4] + ("AAAA" if not click_url.endswith("AAAA") else "BBBB")
    refused = client.get(tampered, follow_redirects=False)
    assert refused.status_code == 400
    assert "location" not in refused.headers
    assert client.get(pixel_url[:-4] + "AAAA").status_code == 200  # a pixel never breaks
    dee = profile(engine, workspace.id, "dee")["id"]
    engaged = timeline(engine, dee)
    assert [e["event"] for e in engaged if str(e["event"]).startswith("Email")] == [
        "Email Opened", "Email Link Clicked"]  # fmt: skip
    assert engaged[-1]["url"] == "https://shop.example/sale?a=1&b=2"

    # The provider reports a hard bounce: the address is suppressed, the next e-mail skipped.
    url = f"/v1/channels/email/{workspace.id}/feedback"
    report = {"type": "bounce", "email": "DEE@example.com", "bounce_type": "hard",
              "reason": "550 5.1.1 no such user"}  # fmt: skip
    assert client.post(url, json=report).status_code == 401
    assert client.post(url, json=report, headers=bearer("wrong")).status_code == 401
    bad = client.post(url, json={"type": "bounce"}, headers=bearer("feedback-secret-123"))
    assert bad.status_code == 400
    accepted = client.post(url, json=[report], headers=bearer("feedback-secret-123"))
    assert accepted.json() == {"received": 1, "matched": 1}
    bounced = [e for e in timeline(engine, dee) if e["event"] == "Email Bounced"]
    assert bounced[0]["bounce_type"] == "hard"
    clock.advance(timedelta(minutes=1))
    deliver(engine, clock, workspace.id, track("dee", "Go", clock.now()))
    assert len(mailbox.received) == 1
    later = messages_of(engine, news)[1]
    assert (later["status"], later["reason"]) == ("skipped", "suppressed")

    # A complaint unsubscribes from all marketing e-mail.
    deliver(engine, clock, workspace.id, identify("eve", clock.now(), email="eve@example.com"))
    complaint = {"type": "complaint", "email": "eve@example.com"}
    client.post(url, json=complaint, headers=bearer("feedback-secret-123"))
    eve = profile(engine, workspace.id, "eve")["id"]
    consent = client.get(f"/api/v1/profiles/{eve}/consent", headers=bearer(workspace.admin_token))
    assert consent.json()["groups"]["channel:email"]["source"] == "complaint"


def test_double_opt_in_sends_nothing_until_the_link_is_followed(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    newsletter = {"opt_in": "double", "confirmation_template": "confirm"}
    policy = {"subscription_groups": {"newsletter": newsletter}}
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy(policy))
        use_smtp(connection, workspace.id, port, str(client.base_url), clock.now())
        for template in [
            {"key": "confirm", "channel": "email", "subject": "Please confirm",
             "text": "Confirm: {{ event.properties.confirm_url }}"},
            {"key": "weekly", "channel": "email", "subject": "Weekly", "text": "News"},
        ]:  # fmt: skip
            save_template(connection, workspace.id, parse_template(template), clock.now())
    send = {"type": "message", "channel": "email", "template": "weekly",
            "subscription_group": "newsletter"}  # fmt: skip
    definition = {"key": "weekly", "name": "Weekly", "trigger": {"event": "Go"}, "start": "send"}
    weekly = publish(engine, clock, workspace.id, {**definition, "nodes": {"send": send}})
    deliver(engine, clock, workspace.id, identify("fay", clock.now(), email="fay@example.com"))
    fay = profile(engine, workspace.id, "fay")["id"]
    admin = bearer(workspace.admin_token)

    body = {"subscribed": True, "evidence": {"form": "footer"}}
    asked = client.put(f"/api/v1/profiles/{fay}/consent/newsletter", json=body, headers=admin)
    assert asked.json()["pending_confirmation"] is True
    assert "newsletter" not in asked.json()["groups"]
    deliver(engine, clock, workspace.id, track("fay", "Go", clock.now()))
    ((_, confirmation),) = mailbox.received  # the confirmation only: no newsletter yet
    assert confirmation["Subject"] == "Please confirm"
    assert confirmation["List-Unsubscribe"] is None  # transactional
    assert messages_of(engine, weekly)[0]["reason"] == "no_consent"
    text = next(p for p in confirmation.walk() if p.get_content_type() == "text/plain")
    content = text.get_payload(decode=True)
    assert isinstance(content, bytes)
    (url,) = re.findall(r"(http\S+/v1/confirm/\S+)", content.decode())
    assert client.post(url.replace("/confirm/", "/unsubscribe/")).status_code == 400
    assert "newsletter" in client.get(url).text
    assert client.post(url).status_code == 200

    consent = client.get(f"/api/v1/profiles/{fay}/consent", headers=admin).json()
    (change,) = consent["history"]
    assert (change["group"], change["subscribed"], change["source"]) == (
        "newsletter", True, "double_opt_in")  # fmt: skip
    assert change["evidence"]["requested_at"] is not None
    clock.advance(timedelta(minutes=1))
    deliver(engine, clock, workspace.id, track("fay", "Go", clock.now()))
    assert [mail["Subject"] for _, mail in mailbox.received] == ["Please confirm", "Weekly"]
