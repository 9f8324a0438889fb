"""The devices a profile uses: push tokens named by its events, kept with the profile
each event resolved to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from baton.storage.database import upsert
from baton.storage.tables import push_tokens

_PLATFORMS = frozenset({"ios", "android", "web"})


def devices_of(row: Any) -> list[dict[str, Any]]:
    """The devices an event names (a row of identity's OBSERVED_COLUMNS)."""
    found = []
    device = row["device"]
    if isinstance(device, dict) and device.get("token"):
        found.append(device)
    # Traits as identity reads them: RudderStack's libraries send an identify's traits in
    # `context.traits` only.
    for traits in (row["context_traits"], row["traits"] if row["type"] == "identify" else None):
        if isinstance(traits, dict):
            listed = traits.get("pushTokens")
            tokens = [traits.get("pushToken"), *(listed if isinstance(listed, list) else [])]
            found.extend({"token": t} for t in tokens if isinstance(t, str) and t)
    return found


def remember_devices(
    connection: Connection,
    workspace_id: str,
    devices: Sequence[tuple[dict[str, Any], str]],
    now: datetime,
) -> None:
    """Keep each `context.device` token for the profile its event resolved to (a token
    seen with another profile since moves to it: the device changed hands)."""
    rows = {}
    for device, profile_id in devices:
        token, platform = device.get("token"), device.get("type")
        if isinstance(token, str) and 0 < len(token) <= 500:
            rows[token] = {
                "workspace_id": workspace_id,
                "token": token,
                "profile_id": profile_id,
                "platform": platform if platform in _PLATFORMS else None,
                "updated_at": now,
            }
    if not rows:
        return
    # In token order: concurrent processors (PostgreSQL) then lock shared rows in one order.
    upsert(
        connection,
        push_tokens,
        [rows[token] for token in sorted(rows)],
        keys=["workspace_id", "token"],
        replace=["profile_id", "platform", "updated_at"],
    )
