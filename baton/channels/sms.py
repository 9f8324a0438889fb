"""The SMS channel: Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`,
form-encoded, basic auth), its delivery receipts and inbound keywords.

Twilio signs every callback: `X-Twilio-Signature` is the Base64 HMAC-SHA1, keyed with
the auth token, of the full callback URL followed by each form parameter's name and
value in name order. Callbacks without a valid signature are refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from baton.channels.calls import call, json_object, judge
from baton.channels.consent import channel_group, set_consent
from baton.channels.senders import FAILED, MESSAGE_DELIVERED, Outcome, Outgoing
from baton.channels.settings import SmsSettings
from baton.core.formats import iso_instant
from baton.identity import PHONE, normalize_phone, profile_of_identifier
from baton.storage.tables import message_attempts, messages
from baton.timeline import timeline_row, write_timeline

# English, then the seed languages: Hungarian, Polish, Turkish (RET is the opt-out word of
# its commercial message register), Romanian; each with and without its accents.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
    | {"LEIRATKOZÁS", "LEIRATKOZAS", "LEIRATKOZOM"}
    | {"REZYGNUJĘ", "REZYGNUJE", "WYPISZ", "ANULUJ"}
    | {"RET", "İPTAL", "IPTAL", "DUR"}
    | {"DEZABONARE", "DEZABONEAZĂ", "DEZABONEAZA", "OPRIRE"}
)
START_WORDS = frozenset(
    {"START", "YES", "UNSTOP", "OPTIN"}
    | {"FELIRATKOZÁS", "FELIRATKOZAS", "FELIRATKOZOM"}
    | {"ZAPISZ", "SUBSKRYBUJ"}
    | {"BAŞLA", "BASLA", "ONAY"}
    | {"ABONARE", "ABONEAZĂ", "ABONEAZA", "PORNIRE"}
)
# What a status callback reports, as Baton's words for it (`read`: WhatsApp's blue ticks).
DELIVERED_STATUSES = frozenset({"delivered"})
READ_STATUSES = frozenset({"read"})
FAILED_STATUSES = frozenset({"undelivered", "failed"})
# How each channel through Twilio names its events (`WhatsApp Delivered`).
_LABELS = {"sms": "SMS", "whatsapp": "WhatsApp"}


def signature(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    signed = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def callback_url(
    settings: SmsSettings, workspace_id: str, kind: str, channel: str = "sms"
) -> str | None:
    """Where Twilio reports to Baton (`status` or `inbound`) about a channel's messages,
    when Baton is reachable."""
    if settings.callbacks_url is None:
        return None
    return f"{settings.callbacks_url.rstrip('/')}/v1/channels/{channel}/{workspace_id}/{kind}"


def phone_of(settings: SmsSettings, outgoing: Outgoing) -> str | None:
    """The profile's phone number in E.164, None when it has no valid one."""
    phone = outgoing.data["profile"]["traits"].get("phone")
    return normalize_phone(phone, settings.default_region) if isinstance(phone, str) else None


def post_message(settings: SmsSettings, outgoing: Outgoing, form: dict[str, Any]) -> Outcome:
    """Hand a message (`To` and its content) to Twilio's Messages API, from the settings'
    sender, with a status callback when Baton is reachable and the message's idempotency
    key (a retry after a lost answer is not sent twice)."""
    sender = settings.sender
    form = {**form, "MessagingServiceSid" if sender.startswith("MG") else "From": sender}
    status_url = callback_url(settings, outgoing.workspace_id, "status", outgoing.channel)
    if status_url is not None:
        form["StatusCallback"] = status_url
    sid = settings.account_sid
    response = call(
        "POST",
        f"{settings.api_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
        timeout=settings.seconds,
        egress=settings.egress,
        data=form,
        auth=(sid, settings.auth_token),
        headers={"I-Twilio-Idempotency-Token": outgoing.idempotency_key},
    )
    if isinstance(response, Outcome):
        return response
    return judge(response, provider_id=json_object(response).get("sid"))


class SmsSender:
    def __init__(self, settings: SmsSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        if rendered is None or not rendered.body:
            return Outcome(FAILED, "an SMS needs a template with a body")
        to = phone_of(self._settings, outgoing)
        if to is None:
            return Outcome(FAILED, "the profile has no valid phone number")
        return post_message(self._settings, outgoing, {"To": to, "Body": rendered.body})


def record_status(
    connection: Connection,
    workspace_id: str,
    sid: str,
    status: str,
    error: str | None,
    now: datetime,
    channel: str = "sms",
) -> bool:
    """A delivery receipt of an SMS (or a WhatsApp message: `channel`): `SMS Delivered`
    (and `Message Delivered`), `WhatsApp Read` (and both, should the read come first), or
    `SMS Failed`, the message then failed with the carrier's error. False when no
    message has that sid."""
    found = connection.execute(
        select(messages.c.id, messages.c.profile_id, messages.c.journey_id)
        .join(message_attempts, message_attempts.c.message_id == messages.c.id)
        .where(messages.c.workspace_id == workspace_id, message_attempts.c.provider_id == sid)
    ).first()
    if found is None:
        return False
    properties = {"message_id": found.id, "journey_id": found.journey_id, "status": status}
    label = _LABELS[channel]
    if status in DELIVERED_STATUSES:
        names = [f"{label} Delivered", MESSAGE_DELIVERED]
    elif status in READ_STATUSES:
        names = [f"{label} Delivered", MESSAGE_DELIVERED, f"{label} Read"]
    elif status in FAILED_STATUSES:
        names = [f"{label} Failed"]
        properties["error_code"] = error
        connection.execute(
            update(messages)
            .where(messages.c.id == found.id)
            .values(status="failed", detail=f"carrier: {status} ({error or 'no code'})")
        )
    else:
        return True  # queued, sending, sent: on its way
    rows = [
        timeline_row(
            workspace_id, found.profile_id, name, properties, now, f"{channel}:{sid}:{name}"
        )
        for name in names
    ]
    write_timeline(connection, rows, now)
    return True


def record_keyword(
    connection: Connection,
    workspace_id: str,
    default_region: str,
    sender: str,
    body: str,
    now: datetime,
    *,
    whatsapp: bool = False,
) -> bool | None:
    """An inbound SMS: STOP and its synonyms unsubscribe the sender's profile from every
    marketing SMS, START and its synonyms subscribe it again; a reply over WhatsApp does
    the same for WhatsApp as well. Returns the new consent, None when the message was no
    keyword or came from no known profile."""
    word = body.strip().upper()
    subscribed = False if word in STOP_WORDS else True if word in START_WORDS else None
    phone = normalize_phone(sender, default_region)
    if subscribed is None or phone is None:
        return None
    profile_id = profile_of_identifier(connection, workspace_id, PHONE, phone)
    if profile_id is None:
        return None
    evidence = {"keyword": word, "received_at": iso_instant(now)}
    for channel in ("sms", "whatsapp") if whatsapp else ("sms",):
        set_consent(
            connection,
            workspace_id,
            profile_id,
            channel_group(channel),
            subscribed,
            "sms_keyword",
            evidence,
            now,
        )
    return subscribed
