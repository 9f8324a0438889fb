"""What channel tests read back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from standardwebhooks import Webhook

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


def signature_holds(secret: str | bytes, headers: dict[str, str], body: bytes) -> bool:
    """Whether a call's `webhook-signature` holds the signature that the standardwebhooks
    library, a receiver's code and not Baton's, makes with `secret` (a `whsec_` secret, or
    the raw key) of the call's `webhook-id`, `webhook-timestamp` and body. Unlike
    `Webhook.verify` it leaves out how old the timestamp is: tests call on a simulated
    clock."""
    sent = {name.lower(): value for name, value in headers.items()}
    at = datetime.fromtimestamp(int(sent["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(sent["webhook-id"], at, body)
    return expected in sent["webhook-signature"].split(" ")
