"""Each sender's signature, checked over the raw body before anything parses it.

- Shopify: `X-Shopify-Hmac-Sha256`, the Base64 HMAC-SHA256 of the body.
- Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=...]`, the HMAC-SHA256 of
  `"{t}.{body}"`, refused when `t` is further than the tolerance from now (replays).
- Zendesk: `X-Zendesk-Webhook-Signature`, the Base64 HMAC-SHA256 of the
  `X-Zendesk-Webhook-Signature-Timestamp` followed by the body; the same tolerance.
- Twilio: `X-Twilio-Signature` over the webhook's URL and its form fields
  (baton/channels/sms.py).
- Generic: Standard Webhooks, or an HMAC-SHA256 of the body in a header of the source's
  choosing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from baton.channels import signature as twilio_signature
from baton.channels.signatures import signature as standard_signature
from baton.channels.signatures import signing_key
from baton.core.errors import Unauthorized
from baton.sources.definitions import Definition, Verification

TOLERANCE = timedelta(minutes=5)
# Each sender sends one signature or a few (during a secret's rotation): more is abuse.
_MOST_SIGNATURES = 8


@dataclass(frozen=True, slots=True)
class Delivery:
    """A request as a sender made it: its URL, headers (lowercase names) and raw body."""

    url: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str:
        """The header's value; Unauthorized when it is missing."""
        value = self.headers.get(name.lower())
        if not value:
            raise Unauthorized(f"the {name} header is missing")
        return value


def verify(
    definition: Definition,
    secret: str,
    delivery: Delivery,
    form: Mapping[str, str] | None,
    now: datetime,
) -> None:
    """Unauthorized unless the delivery is signed with `secret` the preset's way. `form`
    is a Twilio delivery's fields, which its signature covers."""
    key = secret.encode()
    body = delivery.body
    if definition.preset == "shopify":
        _same(delivery.header("X-Shopify-Hmac-Sha256"), _base64_hmac(key, body))
    elif definition.preset == "stripe":
        _stripe(key, delivery, now)
    elif definition.preset == "zendesk":
        timestamp = delivery.header("X-Zendesk-Webhook-Signature-Timestamp")
        _fresh(_instant(timestamp), now)
        expected = _base64_hmac(key, timestamp.encode() + body)
        _same(delivery.header("X-Zendesk-Webhook-Signature"), expected)
    elif definition.preset == "twilio":
        expected = twilio_signature(secret, delivery.url, form or {})
        _same(delivery.header("X-Twilio-Signature"), expected)
    else:
        assert definition.mapping is not None
        _generic(definition.mapping.verification, secret, delivery, now)


def _stripe(key: bytes, delivery: Delivery, now: datetime) -> None:
    pairs = [item.partition("=") for item in delivery.header("Stripe-Signature").split(",")]
    timestamps = [value.strip() for name, _, value in pairs if name.strip() == "t"]
    given = [value.strip() for name, _, value in pairs if name.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not given:
        raise Unauthorized("the Stripe-Signature header is malformed")
    _fresh(_unix(timestamps[0]), now)
    expected = hmac.new(key, timestamps[0].encode() + b"." + delivery.body, hashlib.sha256)
    _any_same(given, expected.hexdigest())


def _generic(verification: Verification, secret: str, delivery: Delivery, now: datetime) -> None:
    if verification.scheme == "standard_webhooks":
        message_id = delivery.header("webhook-id")
        timestamp = delivery.header("webhook-timestamp")
        if not timestamp.isdigit():
            raise Unauthorized("the webhook-timestamp header is malformed")
        _fresh(_unix(timestamp), now)
        expected = standard_signature(
            signing_key(secret), message_id, int(timestamp), delivery.body
        )
        _any_same(delivery.header("webhook-signature").split(), expected)
        return
    assert verification.header is not None
    digest = hmac.new(secret.encode(), delivery.body, hashlib.sha256).digest()
    encoded = digest.hex() if verification.encoding == "hex" else base64.b64encode(digest).decode()
    _same(delivery.header(verification.header), verification.prefix + encoded)


def _base64_hmac(key: bytes, content: bytes) -> str:
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def _same(given: str, expected: str) -> None:
    _any_same([given], expected)


def _any_same(given: list[str], expected: str) -> None:
    wanted = expected.encode()
    if len(given) > _MOST_SIGNATURES or not any(
        hmac.compare_digest(value.strip().encode(), wanted) for value in given
    ):
        raise Unauthorized("the signature does not match the source's secret")


def _unix(text: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(text[:12]), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise Unauthorized("the signature's timestamp is malformed") from None


def _instant(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text[:40])
    except ValueError:
        raise Unauthorized("the signature's timestamp is malformed") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _fresh(signed_at: datetime, now: datetime) -> None:
    """A replayed delivery is refused even with its genuine signature."""
    if abs(now - signed_at) > TOLERANCE:
        raise Unauthorized("the signature's timestamp is too far from now (a replay?)")
