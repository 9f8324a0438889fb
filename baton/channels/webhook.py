"""The webhook channel: templated HTTP calls, signed, with a guard against server-side
request forgery.

Each call is signed to the Standard Webhooks specification (baton/channels/signatures.py)
and carries the message's `Idempotency-Key`. Redirects are not followed. Values placed
into the URL are percent-encoded unless the template marks them `raw`
(baton/channels/templates.py), so an event's property stays one path segment or query
value. Still, anyone who can send an event may steer a URL that holds `raw` values: the
egress guard (baton/channels/egress.py) refuses a target that is not public unless the
webhook settings allow its host or network.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson

from baton.channels.calls import call, json_object, judge
from baton.channels.senders import DELIVERED, FAILED, Outcome, Outgoing
from baton.channels.settings import WebhookSettings
from baton.channels.signatures import signed_headers
from baton.channels.templates import render_json, render_url
from baton.core.errors import InvalidInput


class WebhookSender:
    def __init__(self, settings: WebhookSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        payload, data = outgoing.payload, outgoing.data
        try:
            url = render_url(payload["url"], data)
            headers: dict[str, Any] = render_json(payload.get("headers") or {}, data)
            body = render_json(payload.get("body"), data)
        except InvalidInput as error:
            return Outcome(FAILED, f"template: {error.message}")
        content = b"" if body is None else orjson.dumps(body)
        headers = {
            **headers,
            **signed_headers(outgoing, self._settings.secrets_of("secret", outgoing.at), content),
        }
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
