"""The event names Baton emits itself: segment changes, its messages' outcomes, the texts
people send to it, inbox marks, tasks, consent changes and the sentiment it reads in
customers' texts. No client
may send them, or anyone with the public write key could start the VIP journey for a
bronze customer or fake a delivery; and events stored under these names before the rule
existed are not announced as a client's."""

from __future__ import annotations

_NAMES = frozenset(
    {
        "segment entered",
        "segment exited",
        "task created",
        "sentiment analyzed",
        "whatsapp delivered",
        "whatsapp read",
        "whatsapp failed",
        "whatsapp received",
    }
)
_PREFIXES = ("message ", "email ", "sms ", "push ", "inbox ", "consent ")
# The person's own texts: only Baton's verified Twilio paths (a Twilio source, the SMS
# channel's inbound callback) store them, through the tracking API's writer like any
# event, so the pipeline announces them. The WhatsApp window trusts them.
_INBOUND = frozenset({"sms received", "whatsapp received"})


def is_reserved(name: str) -> bool:
    """Whether `name` (in any case) is one Baton emits."""
    folded = name.casefold()
    return folded in _NAMES or folded.startswith(_PREFIXES)


def is_inbound(name: str) -> bool:
    """Whether `name` (in any case) is a person's text that Baton's Twilio paths record."""
    return name.casefold() in _INBOUND


def announced_where_made(name: str) -> bool:
    """Whether `name` is one Baton announces where it makes it, not through the pipeline
    (which so leaves alone a client's event stored under it before the rule)."""
    return is_reserved(name) and not is_inbound(name)
