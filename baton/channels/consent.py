"""Consent per profile and subscription group, with every change kept as proof.

A profile's marketing messages of a group go out unless it unsubscribed from that group,
from the channel (`channel:sms`) or from everything (`*`). Changes come from the API,
unsubscribe links, SMS keywords, complaints or identify traits (`unsubscribed: true`,
`subscriptions: {group: false}`); the latest change wins, and each is kept with its
time, source and evidence. Transactional messages need no consent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from baton.core.formats import iso_instant
from baton.storage.database import among, upsert
from baton.storage.tables import consent_changes, consents

EVERYTHING = "*"
SOURCES = (
    "api",
    "unsubscribe_link",
    "double_opt_in",
    "sms_keyword",
    "complaint",
    "import",
    "preference_center",
)


def set_consent(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    subscription_group: str,
    subscribed: bool,
    source: str,
    evidence: dict[str, Any],
    now: datetime,
) -> None:
    row = {
        "workspace_id": workspace_id,
        "profile_id": profile_id,
        "subscription_group": subscription_group,
        "subscribed": int(subscribed),
        "changed_at": now,
        "source": source,
    }
    upsert(
        connection,
        consents,
        row,
        keys=["profile_id", "subscription_group"],
        replace=["subscribed", "changed_at", "source"],
    )
    connection.execute(
        insert(consent_changes).values(
            workspace_id=workspace_id,
            profile_id=profile_id,
            subscription_group=subscription_group,
            subscribed=int(subscribed),
            at=now,
            source=source,
            evidence=evidence,
        )
    )


def consents_of(connection: Connection, profile_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
    """Each profile's recorded consent by subscription group."""
    found: dict[str, dict[str, bool]] = defaultdict(dict)
    rows = connection.execute(
        select(consents.c.profile_id, consents.c.subscription_group, consents.c.subscribed).where(
            among(consents.c.profile_id, profile_ids, connection.dialect)
        )
    )
    for profile_id, group, subscribed in rows:
        found[profile_id][group] = bool(subscribed)
    return found


def channel_group(channel: str) -> str:
    """The group standing for every marketing message of a channel (SMS STOP sets it)."""
    return f"channel:{channel}"


def allowed(
    recorded: dict[str, bool],
    traits: dict[str, Any],
    group: str | None,
    channel: str,
    *,
    explicit: frozenset[str] = frozenset(),
) -> bool:
    """Whether a marketing message of `group` on `channel` may go to the profile: a
    recorded choice (for the group, then the channel, then everything) first, then its
    traits. A group in `explicit` needs a recorded opt-in."""
    if group in explicit and not recorded.get(group):
        return False
    for key in (group, channel_group(channel), EVERYTHING):
        if key is not None and key in recorded:
            return recorded[key]
    if traits.get("unsubscribed") is True:
        return False
    subscriptions = traits.get("subscriptions")
    return not (
        group is not None and isinstance(subscriptions, dict) and subscriptions.get(group) is False
    )


def consent_json(connection: Connection, profile_id: str) -> dict[str, Any]:
    """The profile's consent by group, and its history, newest first."""
    current = connection.execute(
        select(consents)
        .where(consents.c.profile_id == profile_id)
        .order_by(consents.c.subscription_group)
    ).all()
    history = connection.execute(
        select(consent_changes)
        .where(consent_changes.c.profile_id == profile_id)
        .order_by(consent_changes.c.seq.desc())
    ).all()
    return {
        "groups": {
            row.subscription_group: {
                "subscribed": bool(row.subscribed),
                "changed_at": iso_instant(row.changed_at),
                "source": row.source,
            }
            for row in current
        },
        "history": [
            {
                "group": row.subscription_group,
                "subscribed": bool(row.subscribed),
                "at": iso_instant(row.at),
                "source": row.source,
                "evidence": row.evidence,
            }
            for row in history
        ],
    }
