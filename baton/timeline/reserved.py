"""The event names Baton emits itself: segment changes, its messages' outcomes, inbox
marks, tasks, consent changes and the sentiment it reads in customers' texts. No client
may send them, or anyone with the public write key could start the VIP journey for a
bronze customer or fake a delivery; and events stored under these names before the rule
existed are not announced as a client's."""

from __future__ import annotations

_NAMES = frozenset({"segment entered", "segment exited", "task created", "sentiment analyzed"})
_PREFIXES = ("message ", "email ", "sms ", "push ", "inbox ", "consent ")


def is_reserved(name: str) -> bool:
    """Whether `name` (in any case) is one Baton emits."""
    folded = name.casefold()
    return folded in _NAMES or folded.startswith(_PREFIXES)
