"""The one way an event becomes final downstream.

Identity (a customer's events, once resolved), segments (`Segment Entered` / `Exited`) and
channels (Baton's records of its messages) announce their final events here, in the
transaction that made them final: the profiles go on the segments' due queue and the
events on the journey inbox, for whichever consumer listens, so each is seen exactly once
whatever crashes in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from baton.timeline.due import mark_due
from baton.timeline.inbox import put_in_inbox
from baton.timeline.listeners import Consumer, Listener, listeners_of

# Events of these types can start, move or end a journey instance.
JOURNEY_EVENT_TYPES = frozenset({"track", "identify"})


@dataclass(frozen=True, slots=True)
class FinalEvent:
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
    """Tell segments and journeys, if they listen.

    `changed_profiles`: profiles whose segments must be evaluated again whatever they
    read (identity changed their traits or identifiers). `named_only`: Baton's own
    records, which are many, reach only a listener that names them.
    """
    listening = listeners_of(connection, workspace_id)
    segments, journeys = listening[Consumer.SEGMENTS], listening[Consumer.JOURNEYS]
    due = set(changed_profiles)
    due.update(e.profile_id for e in final_events if _hears(segments, e, named_only))
    mark_due(connection, workspace_id, ((profile_id, now) for profile_id in due))
    heard = [e.message_id for e in final_events if _hears(journeys, e, named_only)]
    put_in_inbox(connection, workspace_id, heard)


def _hears(listener: Listener, final: FinalEvent, named_only: bool) -> bool:
    if final.type not in JOURNEY_EVENT_TYPES:
        return False
    if final.event is not None and final.event in listener.events:
        return True
    return listener.every_event and not named_only
