"""Signing deliveries the way each provider documents it, written here from their
documentation (not with Baton's code), and reading back what a workspace stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from baton.storage.tables import events, sources
from tests.api.test_profiles import bearer

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def new_key(preset: str) -> str:
    return f"{preset}-{secrets.token_hex(4)}"


def create(client: httpx.Client, token: str, key: str, **body: Any) -> dict[str, Any]:
    answer = client.put(f"/api/v1/sources/{key}", json=body, headers=bearer(token))
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def shopify(secret: str, body: bytes, topic: str) -> dict[str, str]:
    """Shopify: the Base64 HMAC-SHA256 of the raw body, keyed with the secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "example.myshopify.com",
        "Content-Type": "application/json",
    }


def stripe(secret: str, body: bytes, at: datetime, *others: str) -> dict[str, str]:
    """Stripe: `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`; `others` are more v1 values
    (signatures under other secrets, as during a rotation)."""
    t = int(at.timestamp())
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    parts = [f"t={t}", *(f"v1={other}" for other in others), f"v1={v1}"]
    return {"Stripe-Signature": ",".join(parts), "Content-Type": "application/json"}


def zendesk(secret: str, body: bytes, at: datetime) -> dict[str, str]:
    """Zendesk: base64(HMACSHA256(TIMESTAMP + BODY)), the timestamp in its own header."""
    timestamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def stored(engine: Engine, workspace_id: str) -> list[dict[str, Any]]:
    """The workspace's events, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                events.c.event,
                events.c.message_id,
                events.c.user_id,
                events.c.anonymous_id,
                events.c.timestamp,
                events.c.properties,
                events.c.context,
            )
            .where(events.c.workspace_id == workspace_id)
            .order_by(events.c.seq)
        ).mappings()
        return [dict(row) for row in rows]


def counts(engine: Engine, key: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(sources.c.received, sources.c.rejected, sources.c.last_error).where(
                sources.c.key == key
            )
        ).one()
        return dict(row._mapping)
