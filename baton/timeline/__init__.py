"""The timeline: how events become final and who hears them.

Identity, segments and channels announce final events here; segments (through the due
queue) and journeys (through the inbox) consume them. Depends only on `core` and `storage`."""

from baton.timeline.due import Due, claim_due, mark_due, next_due_at, settle
from baton.timeline.final_events import JOURNEY_EVENT_TYPES, FinalEvent, announce
from baton.timeline.listeners import Consumer, Listener, listen, listeners_of
from baton.timeline.merges import follow_merges
from baton.timeline.records import timeline_row, write_events, write_timeline
from baton.timeline.reserved import announced_where_made, is_inbound, is_reserved

__all__ = [
    "JOURNEY_EVENT_TYPES",
    "Consumer",
    "Due",
    "FinalEvent",
    "Listener",
    "announce",
    "announced_where_made",
    "claim_due",
    "follow_merges",
    "is_inbound",
    "is_reserved",
    "listen",
    "listeners_of",
    "mark_due",
    "next_due_at",
    "settle",
    "timeline_row",
    "write_events",
    "write_timeline",
]
