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
from typing import Any

import httpx

from baton.channels.calls import call, json_object, judge
from baton.channels.senders import FAILED, Outcome, Outgoing
from baton.channels.settings import SmsSettings
from baton.identity.normalize import normalize_phone

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP", "OPTIN"})
# What a status callback reports, as Baton's words for it.
DELIVERED_STATUSES = frozenset({"delivered"})
FAILED_STATUSES = frozenset({"undelivered", "failed"})


def signature(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    signed = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def callback_url(settings: SmsSettings, workspace_id: str, kind: str) -> str | None:
    """Where Twilio reports to Baton (`status` or `inbound`), when Baton is reachable."""
    if settings.callbacks_url is None:
        return None
    return f"{settings.callbacks_url.rstrip('/')}/v1/channels/sms/{workspace_id}/{kind}"


class SmsSender:
    def __init__(self, settings: SmsSettings, client: httpx.Client) -> None:
        self._settings = settings
        self._client = client

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        if rendered is None or not rendered.body:
            return Outcome(FAILED, "an SMS needs a template with a body")
        phone = outgoing.data["profile"]["traits"].get("phone")
        to = (
            normalize_phone(phone, self._settings.default_region)
            if isinstance(phone, str)
            else None
        )
        if to is None:
            return Outcome(FAILED, "the profile has no valid phone number")
        sender = self._settings.sender
        form: dict[str, Any] = {
            "To": to,
            "Body": rendered.body,
            "MessagingServiceSid" if sender.startswith("MG") else "From": sender,
        }
        status_url = callback_url(self._settings, outgoing.workspace_id, "status")
        if status_url is not None:
            form["StatusCallback"] = status_url
        sid = self._settings.account_sid
        response = call(
            self._client,
            "POST",
            f"{self._settings.api_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            timeout=self._settings.seconds,
            data=form,
            auth=(sid, self._settings.auth_token),
            headers={"I-Twilio-Idempotency-Token": outgoing.idempotency_key},
        )
        if isinstance(response, Outcome):
            return response
        return judge(response, provider_id=json_object(response).get("sid"))
