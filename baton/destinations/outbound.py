"""Signed requests to a destination: Standard Webhooks headers (baton/channels/signatures.py)
on every call, through the egress guard (baton/channels/calls.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from baton.channels.calls import Answer, call, judge
from baton.channels.senders import Outcome
from baton.channels.signatures import signature, signing_key
from baton.destinations.settings import Remote


def signed_headers(
    remote: Remote, message_id: str, at: datetime, body: bytes, content_type: str
) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {
        "Content-Type": content_type,
        "User-Agent": "Baton-Destinations/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(signing_key(remote.secret), message_id, timestamp, body),
    }


def post_signed(remote: Remote, message_id: str, at: datetime, document: Any) -> Outcome:
    """POST `document` to the destination's URL, signed; the outcome."""
    answer = signed_call(remote, "POST", remote.url, message_id, at, orjson.dumps(document))
    return judge(answer) if isinstance(answer, Answer) else answer


def signed_call(
    remote: Remote,
    method: str,
    url: str,
    message_id: str,
    at: datetime,
    body: bytes,
    content_type: str = "application/json",
) -> Answer | Outcome:
    """One call to `url` on the destination's behalf: signed, and with its bearer token
    when it has one."""
    headers = signed_headers(remote, message_id, at, body, content_type)
    token = getattr(remote, "token", None)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return call(
        method, url, timeout=remote.seconds, egress=remote.egress, headers=headers, content=body
    )
