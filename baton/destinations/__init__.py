"""Destinations: events, segment changes and traits sent to other systems; audiences; CRM.

Webhooks and CRMs hear the timeline (baton/timeline) through their own inbox, batch what
they heard and deliver it signed, with retries and a dead letter; audiences upload a
segment's hashed file on a schedule."""

from baton.destinations.audiences import audience_lines
from baton.destinations.deliveries import REPLAY_LIMIT, deliveries, replay, send_test
from baton.destinations.forwarding import DEAD, DELIVERED, PENDING
from baton.destinations.outbound import post_signed
from baton.destinations.settings import AudienceFormat, masked, parse_settings
from baton.destinations.stage import next_destination_work, run_destinations
from baton.destinations.store import (
    Destination,
    delete_destination,
    find_destination,
    get_destination,
    list_destinations,
    save_destination,
)

__all__ = [
    "DEAD",
    "DELIVERED",
    "PENDING",
    "REPLAY_LIMIT",
    "AudienceFormat",
    "Destination",
    "audience_lines",
    "delete_destination",
    "deliveries",
    "find_destination",
    "get_destination",
    "list_destinations",
    "masked",
    "next_destination_work",
    "parse_settings",
    "post_signed",
    "replay",
    "run_destinations",
    "save_destination",
    "send_test",
]
