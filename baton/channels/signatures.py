"""Standard Webhooks signatures (https://www.standardwebhooks.com) on the calls Baton makes
to webhooks and CRMs, so that a receiver checks them with any of that project's libraries.

Each call carries `webhook-id` (the message's idempotency key: the same on every retry),
`webhook-timestamp` (the attempt's Unix seconds) and `webhook-signature: v1,<base64 of the
HMAC-SHA256 of "{id}.{timestamp}.{body}">`. Secrets Baton makes are `whsec_` and the
base64 of 32 random bytes, the key. A secret chosen before Baton signed this way (any
other string) keys the HMAC with its UTF-8 bytes: to a receiver's library, the secret
`whsec_` + base64 of those bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from baton.channels.senders import Outgoing

PREFIX = "whsec_"


def new_secret() -> str:
    """A `whsec_` secret of 32 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret: a `whsec_` secret's decoded bytes, another's UTF-8 bytes.
    ValueError when a `whsec_` secret is not the base64 of 24 to 64 bytes (the spec's
    bounds)."""
    if not secret.startswith(PREFIX):
        return secret.encode()
    encoded = secret.removeprefix(PREFIX)
    try:
        # Padding is optional: the spec's libraries accept secrets without it.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("a whsec_ secret is base64 after its prefix") from None
    if not 24 <= len(key) <= 64:
        raise ValueError(f"a whsec_ secret holds 24 to 64 bytes, not {len(key)}")
    return key


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    outgoing: Outgoing, secrets_in_use: Sequence[str], content: bytes
) -> dict[str, str]:
    """The headers of a JSON call, signed at the attempt's time (not the wall clock's)
    with each secret in use: the current one, and one replaced within its grace period,
    so a receiver not yet given the new secret still verifies (the spec's rotation)."""
    timestamp = int(outgoing.at.timestamp())
    signatures = [
        signature(signing_key(secret), outgoing.idempotency_key, timestamp, content)
        for secret in secrets_in_use
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": "Baton-Webhooks/1",
        "Idempotency-Key": outgoing.idempotency_key,
        "webhook-id": outgoing.idempotency_key,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }
