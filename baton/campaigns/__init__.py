"""Broadcasts: one message to an audience, now, at a time or at each person's local time."""

from baton.campaigns.definitions import BroadcastDefinition, dump_broadcast, parse_broadcast
from baton.campaigns.engine import advance_broadcasts, cohort_of, next_broadcast_at
from baton.campaigns.outcomes import broadcast_report, broadcast_summaries
from baton.campaigns.store import (
    Broadcast,
    Status,
    Upload,
    broadcasts_page,
    cancel,
    delete_broadcast,
    get_broadcast,
    pause,
    resume,
    save_draft,
    start,
    upload_recipients,
)
from baton.campaigns.why import why_broadcast

__all__ = [
    "Broadcast",
    "BroadcastDefinition",
    "Status",
    "Upload",
    "advance_broadcasts",
    "broadcast_report",
    "broadcast_summaries",
    "broadcasts_page",
    "cancel",
    "cohort_of",
    "delete_broadcast",
    "dump_broadcast",
    "get_broadcast",
    "next_broadcast_at",
    "parse_broadcast",
    "pause",
    "resume",
    "save_draft",
    "start",
    "upload_recipients",
    "why_broadcast",
]
