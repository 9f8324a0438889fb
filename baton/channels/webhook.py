"""The webhook channel: templated HTTP calls, signed, with a guard against server-side
request forgery.

Each call carries `X-Baton-Timestamp` (Unix seconds) and `X-Baton-Signature:
v1=<hex HMAC-SHA256 of "{timestamp}.{body}" with the workspace's webhook secret>`, and
the message's `Idempotency-Key`. Redirects are not followed. The URL may hold template
values, so anyone who can send an event may steer it: the egress guard
(baton/channels/egress.py) refuses a target that is not public unless the webhook
settings allow its host or network.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Any

import orjson

from baton.channels.calls import call, json_object, judge
from baton.channels.senders import DELIVERED, FAILED, Outcome, Outgoing
from baton.channels.settings import WebhookSettings
from baton.channels.templates import render_json, render_text
from baton.core.errors import InvalidInput


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def signed_headers(outgoing: Outgoing, secret: str, content: bytes) -> dict[str, str]:
    timestamp = str(int(outgoing.at.timestamp()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "Baton-Webhooks/1",
        "Idempotency-Key": outgoing.idempotency_key,
        "X-Baton-Timestamp": timestamp,
        "X-Baton-Signature": sign(secret, timestamp, content),
    }


class WebhookSender:
    def __init__(self, settings: WebhookSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        payload, data = outgoing.payload, outgoing.data
        try:
            url = render_text(payload["url"], data)
            headers: dict[str, Any] = render_json(payload.get("headers") or {}, data)
            body = render_json(payload.get("body"), data)
        except InvalidInput as error:
            return Outcome(FAILED, f"template: {error.message}")
        content = b"" if body is None else orjson.dumps(body)
        headers = {**headers, **signed_headers(outgoing, self._settings.secret, content)}
        response = call(
            payload.get("method", "POST"),
            url,
            timeout=self._settings.seconds,
            egress=self._settings.egress,
            content=content,
            headers=headers,
        )
        if isinstance(response, Outcome):
            return response
        outcome = judge(response)
        wanted = payload.get("response_traits")
        if outcome.status == DELIVERED and wanted:
            answer = json_object(response)
            found = {trait: at_path(answer, path) for trait, path in wanted.items()}
            learned = {trait: value for trait, value in found.items() if value is not None}
            return replace(outcome, traits=learned or None)
        return outcome


def at_path(document: Any, path: str) -> Any:
    """The value at a dotted path (`data.tier`, `items.0.sku`); None when absent."""
    for step in path.split("."):
        if isinstance(document, dict):
            document = document.get(step)
        elif isinstance(document, list) and step.isdigit() and int(step) < len(document):
            document = document[int(step)]
        else:
            return None
    return document
