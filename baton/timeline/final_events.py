"""The one way an event becomes final downstream.

Identity (a customer's events, once resolved), segments (`Segment Entered` / `Exited`) and
channels (Baton's records of its messages) announce their final events here, in the
transaction that made them final: the profiles go on the segments' due queue and the
events on the journey inbox, for whichever consumer listens, so each is seen exactly once
whatever crashes in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection

from baton.timeline.due import mark_due
from baton.timeline.inbox import put_in_destination_inbox, put_in_inbox
from baton.timeline.listeners import Consumer, Listener, listeners_of

# Events of these types can start, move or end a journey instance.
JOURNEY_EVENT_TYPES = frozenset({"track", "identify"})


class FinalEvent(NamedTuple):
    """A tuple: identity announces thousands a batch, and a frozen dataclass costs several
    times more to make."""

    message_id: str
    profile_id: str
    type: str
    event: str | None  # a track event's name


def announce(
    connection: Connection,
    workspace_id: str,
    final_events: Sequence[FinalEvent],
    now: datetime,
    *,
    changed_profiles: Iterable[str] = (),
    named_only: bool = False,
) -> None:
    """Tell segments, journeys and destinations, if they listen.

    `changed_profiles`: profiles whose segments must be evaluated again whatever they
    read (identity changed their traits or identifiers). `named_only`: Baton's own
    records, which are many, reach only a listener that names them.
    """
    listening = listeners_of(connection, workspace_id)
    due = set(changed_profiles)
    due.update(e.profile_id for e in _heard(final_events, listening[Consumer.SEGMENTS], named_only))
    mark_due(connection, workspace_id, ((profile_id, now) for profile_id in due))
    heard = _heard(final_events, listening[Consumer.JOURNEYS], named_only)
    put_in_inbox(connection, workspace_id, [(e.message_id, e.profile_id) for e in heard])
    destinations = listening[Consumer.DESTINATIONS]
    named = _heard(final_events, Listener(destinations.events), named_only)
    changed = sorted(set(changed_profiles)) if destinations.every_event else []
    put_in_destination_inbox(
        connection,
        workspace_id,
        [(e.profile_id, e.message_id) for e in named] + [(p, None) for p in changed],
    )


def _heard(
    final_events: Sequence[FinalEvent], listener: Listener, named_only: bool
) -> list[FinalEvent]:
    """The events `listener` hears, in order (one pass: identity announces thousands)."""
    everything = listener.every_event and not named_only
    if not everything and not listener.events:
        return []
    names, types = listener.events, JOURNEY_EVENT_TYPES
    return [e for e in final_events if e.type in types and (everything or e.event in names)]
