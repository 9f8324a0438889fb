"""Sources: other systems' webhooks, verified and mapped to events and identities."""

from baton.sources.definitions import Saved, parse_saved
from baton.sources.deliveries import (
    apply_replies,
    lower_headers,
    map_payload,
    messages_of,
    read_delivery,
)
from baton.sources.presets import DESCRIPTIONS, Mapped, twilio
from baton.sources.registry import (
    Source,
    delete_source,
    find_source,
    get_source,
    list_sources,
    record_delivery,
    save_source,
    webhook_path,
)
from baton.sources.verification import Delivery

__all__ = [
    "DESCRIPTIONS",
    "Delivery",
    "Mapped",
    "Saved",
    "Source",
    "apply_replies",
    "delete_source",
    "find_source",
    "get_source",
    "list_sources",
    "lower_headers",
    "map_payload",
    "messages_of",
    "parse_saved",
    "read_delivery",
    "record_delivery",
    "save_source",
    "twilio",
    "webhook_path",
]
