"""WhatsApp through a real local HTTP server standing in for Twilio's Messages API, on
both databases: approved templates outside the 24-hour window, free-form text inside
it, skips with neither, signed delivery and read receipts, consent and quiet hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from baton import sources
from baton.analytics.journey_report import journey_report
from baton.channels.consent import channel_group, set_consent
from baton.channels.settings import WhatsAppSettings
from baton.channels.sms import signature
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.ingest import store_messages
from baton.storage.database import write_transaction
from baton.timeline import is_reserved
from baton.workspaces.policy import parse_policy, save_policy
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.channels.helpers import timeline
from tests.channels.test_providers import answer, journey, provider_ids, setup
from tests.conftest import Workspace, process_all
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import HttpServer

CONTENT_SID = "HX" + "0123456789abcdef" * 2
TOKEN = "tok-tok-tok-1"


@pytest.fixture
def twilio() -> Iterator[HttpServer]:
    sids = (f"SM{n}" for n in range(1, 100))
    with HttpServer(lambda request: answer(201, {"sid": next(sids), "status": "queued"})) as server:
        yield server


def settings(twilio: HttpServer, client: httpx.Client) -> WhatsAppSettings:
    return WhatsAppSettings(api_url=twilio.url, account_sid="AC42", auth_token=TOKEN,
                            sender="whatsapp:+15005550006", callbacks_url=str(client.base_url),
                            allow=["127.0.0.1"])  # fmt: skip


def sent(twilio: HttpServer) -> list[dict[str, str]]:
    return [dict(parse_qsl(call.body.decode())) for call in twilio.requests]


def received(
    engine: Engine,
    clock: ManualClock,
    workspace_id: str,
    sid: str,
    at: datetime,
    timestamp: datetime | None = None,
) -> None:
    """Ann's WhatsApp text as Baton's Twilio path records it, received `at`; `timestamp`,
    the time a provider could claim for it."""
    form = {"MessageSid": sid, "From": "whatsapp:+36301234567", "To": "whatsapp:+15005550006",
            "Body": "where is it?"}  # fmt: skip
    mapped = sources.twilio(form)
    if timestamp is not None:
        mapped.messages[0]["timestamp"] = timestamp.isoformat()
    store_messages(engine, workspace_id, sources.messages_of(mapped, at))
    process_all(engine, clock)
    run(engine, clock)


def test_templates_outside_the_window_free_form_inside_it_and_receipts(
    engine: Engine, clock: ManualClock, workspace: Workspace, twilio: HttpServer,
    client: httpx.Client,
) -> None:  # fmt: skip
    setup(engine, clock, workspace.id, "whatsapp", settings(twilio, client),
          body="Thanks {{ profile.traits.firstName }}, your order ships today")  # fmt: skip
    with write_transaction(engine) as connection:
        approved = {"key": "approved", "channel": "whatsapp",
                    "body": "Your order {{ event.properties.order }} ships today",
                    "whatsapp": {"content_sid": CONTENT_SID,
                                 "variables": {"1": "{{ profile.traits.firstName }}",
                                               "2": "{{ event.properties.order }}"}}}  # fmt: skip
        save_template(connection, workspace.id, parse_template(approved), clock.now())
    free = publish(engine, clock, workspace.id, journey("free", "whatsapp", "whatsapp-t"))
    shipped = publish(engine, clock, workspace.id, journey("ship", "whatsapp", "approved"))
    deliver(engine, clock, workspace.id,
            identify("ann", clock.now(), first_name="Ann", phone="+36 30 123 4567"))  # fmt: skip

    # Business-initiated: free-form text may not go; the approved template does.
    deliver(engine, clock, workspace.id, track("ann", "free go", clock.now()))
    (skipped,) = messages_of(engine, free)
    assert (skipped["status"], skipped["reason"]) == ("skipped", "whatsapp_window")
    assert twilio.requests == []
    deliver(engine, clock, workspace.id, track("ann", "ship go", clock.now(), {"order": "A-7"}))
    (call,) = twilio.requests
    assert call.path == "/2010-04-01/Accounts/AC42/Messages.json"
    assert call.headers["I-Twilio-Idempotency-Token"]
    status_url = f"{client.base_url}/v1/channels/whatsapp/{workspace.id}/status"
    form = sent(twilio)[0]
    assert orjson.loads(form.pop("ContentVariables")) == {"1": "Ann", "2": "A-7"}
    assert form == {"To": "whatsapp:+36301234567", "From": "whatsapp:+15005550006",
                    "ContentSid": CONTENT_SID, "StatusCallback": status_url}  # fmt: skip
    (template_message,) = messages_of(engine, shipped)
    assert template_message["status"] == "delivered"
    assert provider_ids(engine, template_message["id"]) == ["SM1"]

    # Ann writes: for 24 hours free-form text goes, the approved template's body first.
    received(engine, clock, workspace.id, "SM9", clock.now())
    clock.advance(timedelta(hours=23))
    deliver(engine, clock, workspace.id, track("ann", "free go", clock.now()))
    deliver(engine, clock, workspace.id, track("ann", "ship go", clock.now(), {"order": "B-8"}))
    inside = sent(twilio)[1:]
    assert [(f.get("Body"), "ContentSid" in f) for f in inside] == [
        ("Thanks Ann, your order ships today", False),
        ("Your order B-8 ships today", False),
    ]
    clock.advance(timedelta(hours=2))  # 25 hours since she wrote
    deliver(engine, clock, workspace.id, track("ann", "free go", clock.now()))
    deliver(engine, clock, workspace.id, track("ann", "ship go", clock.now(), {"order": "C-9"}))
    assert [m["status"] for m in messages_of(engine, free)] == ["skipped", "delivered", "skipped"]
    assert sent(twilio)[-1]["ContentSid"] == CONTENT_SID
    assert "Body" not in sent(twilio)[-1]

    # Receipts: a forged or altered one is refused; delivered, then read (an open).
    receipt = {"MessageSid": "SM1", "MessageStatus": "read"}
    signed = {"X-Twilio-Signature": signature(TOKEN, status_url, receipt)}
    forged = client.post(status_url, data=receipt, headers={"X-Twilio-Signature": "AAAA"})
    assert forged.status_code == 401
    altered = {**receipt, "MessageStatus": "failed"}
    assert client.post(status_url, data=altered, headers=signed).status_code == 401
    sms_url = f"{client.base_url}/v1/channels/sms/{workspace.id}/status"
    elsewhere = {"X-Twilio-Signature": signature(TOKEN, sms_url, receipt)}
    assert client.post(status_url, data=receipt, headers=elsewhere).status_code == 401
    for _ in range(2):  # Twilio may report twice: recorded once
        assert client.post(status_url, data=receipt, headers=signed).status_code == 204
    delivered = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    headers = {"X-Twilio-Signature": signature(TOKEN, status_url, delivered)}
    assert client.post(status_url, data=delivered, headers=headers).status_code == 204
    ann = profile(engine, workspace.id, "ann")["id"]
    names = ("WhatsApp Delivered", "Message Delivered", "WhatsApp Read", "WhatsApp Failed")
    assert [e["event"] for e in timeline(engine, ann, *names)] == [
        "WhatsApp Delivered", "Message Delivered", "WhatsApp Read"]  # fmt: skip
    with engine.connect() as connection:
        since = clock.now() - timedelta(days=2)
        report = journey_report(connection, shipped, start=since, end=clock.now(), version=None,
                                window=timedelta(days=7))  # fmt: skip
    counts = report["nodes"]["send"]["messages"]
    assert (counts["by_status"]["delivered"], counts["opened"]) == (3, 1)

    # A failure fails the message with the carrier's code.
    failed = {"MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "63016"}
    headers = {"X-Twilio-Signature": signature(TOKEN, status_url, failed)}
    assert client.post(status_url, data=failed, headers=headers).status_code == 204
    second = messages_of(engine, free)[1]
    assert (second["status"], second["detail"]) == ("failed", "carrier: undelivered (63016)")
    assert timeline(engine, ann, "WhatsApp Failed")[0]["error_code"] == "63016"
    # An unknown sid is accepted and changes nothing; a body without a sid is refused.
    unknown = {"MessageSid": "SM404", "MessageStatus": "read"}
    headers = {"X-Twilio-Signature": signature(TOKEN, status_url, unknown)}
    assert client.post(status_url, data=unknown, headers=headers).status_code == 204
    empty: dict[str, str] = {"MessageStatus": "read"}
    headers = {"X-Twilio-Signature": signature(TOKEN, status_url, empty)}
    assert client.post(status_url, data=empty, headers=headers).status_code == 400


def test_consent_and_quiet_hours_hold_whatsapp_like_sms(
    engine: Engine, clock: ManualClock, workspace: Workspace, twilio: HttpServer,
    client: httpx.Client,
) -> None:  # fmt: skip
    setup(engine, clock, workspace.id, "whatsapp", settings(twilio, client), body="hi")
    template = {
        "key": "whatsapp-t",
        "channel": "whatsapp",
        "whatsapp": {"content_sid": CONTENT_SID},
    }
    with write_transaction(engine) as connection:
        save_template(connection, workspace.id, parse_template(template), clock.now())
    promo = publish(engine, clock, workspace.id, journey("promo", "whatsapp", "whatsapp-t"))
    deliver(engine, clock, workspace.id, identify("bo", clock.now(), phone="+14155550100",
                                                  timezone="UTC"))  # fmt: skip
    bo = profile(engine, workspace.id, "bo")["id"]
    with write_transaction(engine) as connection:
        set_consent(connection, workspace.id, bo, channel_group("whatsapp"), False, "api", {},
                    clock.now())  # fmt: skip
    deliver(engine, clock, workspace.id, track("bo", "promo go", clock.now()))
    assert (messages_of(engine, promo)[0]["reason"], twilio.requests) == ("no_consent", [])

    with write_transaction(engine) as connection:
        set_consent(connection, workspace.id, bo, channel_group("whatsapp"), True, "api", {},
                    clock.now())  # fmt: skip
        hour = clock.now().hour
        spell = {"start": f"{hour:02}:00", "end": f"{(hour + 2) % 24:02}:00"}
        quiet = {"quiet_hours": {**spell, "channels": ["whatsapp"]}}
        save_policy(connection, workspace.id, parse_policy(quiet))
    deliver(engine, clock, workspace.id, track("bo", "promo go", clock.now()))
    assert messages_of(engine, promo)[1]["status"] == "pending"
    assert twilio.requests == []


def test_whatsapp_settings_and_templates_refuse_bad_input(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    good: dict[str, Any] = {"account_sid": "AC42", "auth_token": TOKEN,
                            "sender": "whatsapp:+15005550006"}  # fmt: skip
    bad = client.put("/api/v1/channels/whatsapp", json={**good, "sender": "+15005550006"},
                     headers=admin)  # fmt: skip
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "sender")
    saved = client.put("/api/v1/channels/whatsapp", json=good, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["auth_token"] == "********"

    def put(template: dict[str, Any]) -> httpx.Response:
        return client.put("/api/v1/templates/wa", json={"channel": "whatsapp", **template},
                          headers=admin)  # fmt: skip

    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"name": "neither"}, None),
        ({"whatsapp": {"content_sid": "HX12"}}, "whatsapp.content_sid"),
        ({"whatsapp": {"content_sid": CONTENT_SID, "variables": {"1": "{{ nobody.x }}"}}},
         "whatsapp.variables.1"),
        ({"whatsapp": {"content_sid": CONTENT_SID, "variables": {"a b": "x"}}},
         "whatsapp.variables.a b.[key]"),
    ]  # fmt: skip
    for template, field in cases:
        refused = put(template)
        assert refused.status_code == 400, template
        assert refused.json()["error"]["field"] == field
    assert put({"whatsapp": {"content_sid": CONTENT_SID}}).status_code == 201
    # Receipts for a workspace without WhatsApp are no one's.
    other = client.post("/v1/channels/whatsapp/ws_nobody/status", data={"MessageSid": "SM1"})
    assert other.status_code == 404


def test_clients_send_neither_receipts_nor_replies() -> None:
    assert all(is_reserved(name) for name in ("WhatsApp Read", "whatsapp delivered",
                                              "WHATSAPP FAILED"))  # fmt: skip
    # Only Baton's verified Twilio paths record a person's texts: they open the window.
    assert all(is_reserved(name) for name in ("WhatsApp Received", "SMS Received"))


def test_the_write_key_cannot_open_the_window_nor_a_claimed_time(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    twilio: HttpServer,
) -> None:  # fmt: skip
    setup(engine, clock, workspace.id, "whatsapp", settings(twilio, client),
          body="Thanks {{ profile.traits.firstName }}, your order ships today")  # fmt: skip
    free = publish(engine, clock, workspace.id, journey("free", "whatsapp", "whatsapp-t"))
    deliver(engine, clock, workspace.id,
            identify("ann", clock.now(), first_name="Ann", phone="+36 30 123 4567"))  # fmt: skip
    ahead = clock.now() + timedelta(days=30)
    for name in ("WhatsApp Received", "SMS Received", "whatsapp received"):
        forged = {"userId": "ann", "event": name, "timestamp": ahead.isoformat()}
        answer = client.post("/v1/track", json=forged, headers=basic(workspace.write_key))
        assert answer.status_code == 400, name
        assert answer.json()["error"]["code"] == "reserved_event"
    # Received 25 hours ago, whatever time it claims; then stamped ahead of the clock.
    received(engine, clock, workspace.id, "SM8", clock.now() - timedelta(hours=25), ahead)
    received(engine, clock, workspace.id, "SM9", clock.now() + timedelta(hours=1))
    deliver(engine, clock, workspace.id, track("ann", "free go", clock.now()))
    assert [m["status"] for m in messages_of(engine, free)] == ["skipped"]
    clock.advance(timedelta(hours=2))  # now the second is an hour old
    deliver(engine, clock, workspace.id, track("ann", "free go", clock.now()))
    assert [m["status"] for m in messages_of(engine, free)] == ["skipped", "delivered"]
