"""What channel tests read back."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import Engine, select

from baton.storage.tables import events


def timeline(engine: Engine, profile_id: str, *names: str) -> list[dict[str, Any]]:
    """The profile's events (of these names, when given), oldest first, each its name
    and properties."""
    query = select(events.c.event, events.c.properties).where(events.c.profile_id == profile_id)
    if names:
        query = query.where(events.c.event.in_(names))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(events.c.seq))
        return [{"event": name, **(properties or {})} for name, properties in rows]


def documented_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Baton-Signature` docs/channels.md promises receivers, computed here from
    that text alone so that a change to Baton's signing cannot also change the check:
    `v1=` and the hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of the timestamp
    header, a dot, and the raw body."""
    signed = timestamp.encode("ascii") + b"." + body
    return "v1=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
