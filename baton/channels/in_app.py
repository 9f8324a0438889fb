"""In-app and web messages (channel `inbox`): kept for the app or site to pull
(`GET /v1/inbox`), then marked seen, clicked or dismissed, each mark an event on the
profile's timeline. Web personalization is the same: a message whose template's parts
the page shows where it chooses. `title` and `body` are plain text (traits in them are as
the profile gave them); `html` is ready to insert in a page."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from baton.channels.senders import DELIVERED, FAILED, Outcome, Outgoing
from baton.core.errors import InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import inbox_items
from baton.timeline import timeline_row, write_timeline

MARKS = {
    "seen": "Inbox Message Seen",
    "clicked": "Inbox Message Clicked",
    "dismissed": "Inbox Message Dismissed",
}
_SHOWN = 50


class InAppSender:
    """Nothing leaves: the message waits in the profile's inbox (stored by `keep_in_inbox`)."""

    def send(self, outgoing: Outgoing) -> Outcome:
        if outgoing.rendered is None:
            return Outcome(FAILED, "an in-app message needs a template")
        return Outcome(DELIVERED, "in the inbox")


def keep_in_inbox(connection: Connection, delivered: Sequence[Outgoing], now: datetime) -> None:
    executemany_fast(
        connection,
        insert_ignoring_duplicates(connection, inbox_items),
        [
            {
                "message_id": o.message_id,
                "workspace_id": o.workspace_id,
                "profile_id": o.profile_id,
                "content": {
                    k: v for k, v in o.rendered.json().items() if k != "channel" and v is not None
                }
                if o.rendered is not None
                else {},
                "created_at": now,
            }
            for o in delivered
        ],
    )


def inbox_of(
    connection: Connection, workspace_id: str, profile_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The profile's messages not dismissed, newest first."""
    rows = connection.execute(
        select(inbox_items)
        .where(
            inbox_items.c.workspace_id == workspace_id,
            among(inbox_items.c.profile_id, profile_ids, connection.dialect),
            inbox_items.c.dismissed_at.is_(None),
        )
        .order_by(inbox_items.c.created_at.desc(), inbox_items.c.message_id.desc())
        .limit(_SHOWN)
    ).mappings()
    return [
        {
            "id": row["message_id"],
            **_with_html(row["content"]),
            "created_at": iso_instant(row["created_at"]),
            "seen": row["seen_at"] is not None,
            "clicked": row["clicked_at"] is not None,
        }
        for row in rows
    ]


def _with_html(content: dict[str, Any]) -> dict[str, Any]:
    """The parts with `html`: the template's own (auto-escaped when rendered), else the
    body escaped, its lines joined by <br>."""
    if "html" in content or "body" not in content:
        return content
    return {**content, "html": "<br>".join(html.escape(content["body"]).splitlines())}


def mark(
    connection: Connection,
    workspace_id: str,
    profile_ids: Sequence[str],
    message_id: str,
    what: str,
    now: datetime,
) -> bool:
    """Mark a message of one of `profile_ids` (a person's merged profiles) seen, clicked
    or dismissed; the first mark of each kind becomes an event. Returns whether this was
    the first."""
    if what not in MARKS:
        raise InvalidInput(f"mark a message {', '.join(MARKS)}, not {what!r}", field="action")
    row = connection.execute(
        select(inbox_items.c.profile_id).where(
            inbox_items.c.workspace_id == workspace_id,
            inbox_items.c.message_id == message_id,
            among(inbox_items.c.profile_id, profile_ids, connection.dialect),
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no inbox message {message_id!r}")
    column = inbox_items.c[f"{what}_at"]
    first = connection.execute(
        update(inbox_items)
        .where(inbox_items.c.message_id == message_id, column.is_(None))
        .values({column: now})
    ).rowcount
    if first:
        event = timeline_row(
            workspace_id,
            row.profile_id,
            MARKS[what],
            {"message_id": message_id},
            now,
            f"inbox:{message_id}:{what}",
        )
        write_timeline(connection, [event], now)
    return bool(first)
