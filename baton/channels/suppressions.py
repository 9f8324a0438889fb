"""Addresses no message goes to any more, per channel: an e-mail address that bounced
hard or complained. A message to one is skipped with reason `suppressed`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select

from baton.storage.database import among, upsert
from baton.storage.tables import suppressions

SUPPRESSED = "suppressed"


def suppress(
    connection: Connection,
    workspace_id: str,
    channel: str,
    address: str,
    profile_id: str | None,
    reason: str,
    now: datetime,
) -> None:
    row = {
        "workspace_id": workspace_id,
        "channel": channel,
        "address": address,
        "profile_id": profile_id,
        "reason": reason,
        "at": now,
    }
    upsert(
        connection,
        suppressions,
        row,
        keys=["workspace_id", "channel", "address"],
        replace=["profile_id", "reason", "at"],
    )


def lift(connection: Connection, workspace_id: str, channel: str, address: str) -> bool:
    """Send to the address again (it was fixed); whether it was suppressed."""
    return bool(
        connection.execute(
            delete(suppressions).where(
                suppressions.c.workspace_id == workspace_id,
                suppressions.c.channel == channel,
                suppressions.c.address == address,
            )
        ).rowcount
    )


def suppressed_among(
    connection: Connection, workspace_id: str, channel: str, addresses: Sequence[str]
) -> set[str]:
    if not addresses:
        return set()
    return set(
        connection.execute(
            select(suppressions.c.address).where(
                suppressions.c.workspace_id == workspace_id,
                suppressions.c.channel == channel,
                among(suppressions.c.address, sorted(set(addresses)), connection.dialect),
            )
        ).scalars()
    )
