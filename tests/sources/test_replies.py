"""Inbound SMS and WhatsApp through a Twilio source and through the SMS channel's own
callback, on both databases: the same events by one path, keywords in English and the
seed languages, and a journey that waits for the reply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.channels.consent import channel_group, consents_of
from baton.channels.settings import SmsSettings, save_settings
from baton.channels.sms import signature
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from tests.channels.helpers import timeline
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, instances_of, publish, run, steps_of
from tests.segments.helpers import identify, track
from tests.sources.helpers import counts, create, new_key, stored

TOKEN = "twilio-auth-token-0123"
PHONE = "+14155550100"


def text(
    client: httpx.Client, url: str, sid: str, body: str, sender: str = PHONE
) -> httpx.Response:
    """An inbound message as Twilio posts it, signed over the URL as Baton publishes it."""
    form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC42", "From": sender,
            "To": "+15005550006", "Body": body, "NumMedia": "0"}  # fmt: skip
    headers = {"X-Twilio-Signature": signature(TOKEN, url, form)}
    path = url.removeprefix(url.split("/v1/", 1)[0])
    return client.post(path, data=form, headers=headers)


@pytest.fixture
def twilio_url(workspace: Workspace, client: httpx.Client, server: tuple[str, Any]) -> str:
    key = new_key("twilio")
    create(client, workspace.admin_token, key, preset="twilio", secret=TOKEN)
    return f"{server[1].settings.public_base()}/v1/sources/{key}/webhook"


def consent(engine: Engine, workspace: Workspace, user: str) -> dict[str, bool]:
    profile_id = profile(engine, workspace.id, user)["id"]
    with engine.connect() as connection:
        return consents_of(connection, [profile_id]).get(profile_id, {})


def test_a_reply_is_an_event_the_same_by_either_endpoint(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    twilio_url: str,
) -> None:  # fmt: skip
    deliver(engine, clock, workspace.id, identify("sam", clock.now(), phone="(415) 555-0100"))
    answer = text(client, twilio_url, "SM100", "Yes please, 2 tickets")
    assert answer.status_code == 200
    assert "<Response></Response>" in answer.text
    # The SMS channel's own callback, for the same message: the same event, stored once.
    with write_transaction(engine) as connection:
        save_settings(connection, workspace.id, "sms", SmsSettings(
            account_sid="AC42", auth_token=TOKEN, sender="+15005550006",
            callbacks_url="https://baton.example.com"), clock.now())  # fmt: skip
    channel_url = f"https://baton.example.com/v1/channels/sms/{workspace.id}/inbound"
    assert text(client, channel_url, "SM100", "Yes please, 2 tickets").status_code == 200
    assert text(client, channel_url, "SM101", "And a third").status_code == 200
    # Signed for another URL (what a Host header could claim): refused.
    elsewhere = twilio_url.replace("http://127.0.0.1:8000", "https://attacker.example")
    assert elsewhere != twilio_url
    assert text(client, elsewhere, "SM102", "forged").status_code == 401
    whatsapp = text(client, twilio_url, "SM103", "Hi", sender=f"whatsapp:{PHONE}")
    assert whatsapp.status_code == 200

    found = stored(engine, workspace.id)
    replies = [e for e in found if e["event"] in ("SMS Received", "WhatsApp Received")]
    assert [(e["event"], e["message_id"]) for e in replies] == [
        ("SMS Received", "twilio:SM100"),
        ("SMS Received", "twilio:SM101"),
        ("WhatsApp Received", "twilio:SM103"),
    ]
    assert replies[0]["properties"] == {"body": "Yes please, 2 tickets", "from": PHONE,
                                        "to": "+15005550006", "message_sid": "SM100",
                                        "num_media": "0"}  # fmt: skip
    assert replies[2]["properties"]["from"] == PHONE
    run(engine, clock)
    # All three reached Sam's profile through identity resolution, by phone.
    sam = profile(engine, workspace.id, "sam")["id"]
    assert len(timeline(engine, sam, "SMS Received", "WhatsApp Received")) == 3


# Each language's STOP, then its START: English and the seed languages.
KEYWORDS = [
    ("en", "STOP", "START"),
    ("hu", "Leiratkozás", "feliratkozás"),
    ("pl", "rezygnuję", "ZAPISZ"),
    ("tr", "İPTAL", "başla"),
    ("tr", "RET", "Basla"),
    ("ro", "dezabonare", "ABONARE"),
]


@pytest.mark.parametrize(("language", "stop", "start"), KEYWORDS)
def test_stop_and_start_in_each_seed_language(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    twilio_url: str, language: str, stop: str, start: str,
) -> None:  # fmt: skip
    deliver(engine, clock, workspace.id, identify("ana", clock.now(), phone=PHONE))
    assert text(client, twilio_url, f"SM-{language}-1", f" {stop} ").status_code == 200
    assert consent(engine, workspace, "ana") == {channel_group("sms"): False}
    assert text(client, twilio_url, f"SM-{language}-2", start).status_code == 200
    assert consent(engine, workspace, "ana") == {channel_group("sms"): True}
    # Over WhatsApp, STOP leaves WhatsApp as well as SMS.
    whatsapp = f"whatsapp:{PHONE}"
    assert text(client, twilio_url, f"SM-{language}-3", stop, sender=whatsapp).status_code == 200
    assert consent(engine, workspace, "ana") == {
        channel_group("sms"): False, channel_group("whatsapp"): False}  # fmt: skip
    # A word that merely contains the keyword changes nothing.
    assert text(client, twilio_url, f"SM-{language}-4", f"{start} later").status_code == 200
    assert consent(engine, workspace, "ana")[channel_group("sms")] is False


def test_a_retried_or_replayed_keyword_changes_nothing_again(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    twilio_url: str,
) -> None:  # fmt: skip
    deliver(engine, clock, workspace.id, identify("ana", clock.now(), phone=PHONE))
    with write_transaction(engine) as connection:
        save_settings(connection, workspace.id, "sms", SmsSettings(
            account_sid="AC42", auth_token=TOKEN, sender="+15005550006",
            callbacks_url="https://baton.example.com"), clock.now())  # fmt: skip
    channel_url = f"https://baton.example.com/v1/channels/sms/{workspace.id}/inbound"
    assert text(client, twilio_url, "SM-1", "START").status_code == 200
    clock.advance(timedelta(minutes=1))
    assert text(client, twilio_url, "SM-2", "STOP").status_code == 200
    assert consent(engine, workspace, "ana") == {channel_group("sms"): False}
    # The old START comes again, retried by the source, then by the channel's callback.
    for url in (twilio_url, channel_url):
        clock.advance(timedelta(minutes=1))
        assert text(client, url, "SM-1", "START").status_code == 200
        assert consent(engine, workspace, "ana") == {channel_group("sms"): False}
    assert text(client, channel_url, "SM-3", "START").status_code == 200
    assert consent(engine, workspace, "ana") == {channel_group("sms"): True}


def test_a_journey_waiting_for_a_reply_continues_when_it_arrives(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    twilio_url: str,
) -> None:  # fmt: skip
    journey = publish(engine, clock, workspace.id, {
        "key": "rsvp", "name": "RSVP", "trigger": {"event": "rsvp go"}, "start": "ask",
        "nodes": {
            "ask": {"type": "wait_for_event", "event": "SMS Received", "timeout": "1d",
                    "next": "thanks", "timeout_next": "gave_up"},
            "thanks": {"type": "exit"},
            "gave_up": {"type": "exit"},
        },
    })  # fmt: skip
    deliver(engine, clock, workspace.id, identify("eve", clock.now(), phone=PHONE),
            track("eve", "rsvp go", clock.now()))  # fmt: skip
    (waiting,) = instances_of(engine, journey)
    assert waiting["outcome"] is None
    assert text(client, twilio_url, "SM900", "Count me in").status_code == 200
    run(engine, clock)
    (done,) = instances_of(engine, journey)
    assert ("ask", "resumed") in steps_of(engine, done["id"])
    assert [node for node, _ in steps_of(engine, done["id"])][-1] == "thanks"
    assert counts(engine, twilio_url.split("/")[-2])["received"] == 1
