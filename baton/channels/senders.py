"""What a channel is given to send and what it answers; the senders that need no
provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from baton.channels.templates import Rendered

DELIVERED, RETRY, FAILED, SKIPPED = "delivered", "retry", "failed", "skipped"
# What a message's outcomes are called on the profile's timeline.
MESSAGE_SENT, MESSAGE_DELIVERED, MESSAGE_FAILED = (
    "Message Sent",
    "Message Delivered",
    "Message Failed",
)


@dataclass(frozen=True)
class Outgoing:
    """One attempt at one message, with everything a channel needs to send it."""

    message_id: str
    workspace_id: str
    profile_id: str
    channel: str
    subscription_group: str | None
    transactional: bool
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    at: datetime
    data: dict[str, Any]  # what templates read: profile, event, journey, workspace
    rendered: Rendered | None  # the message's template, rendered for the profile
    devices: tuple[str, ...] = ()  # the profile's push tokens, for push
    replied_at: datetime | None = None  # the profile's last WhatsApp message, for WhatsApp


@dataclass(frozen=True)
class Outcome:
    status: str  # delivered | retry | failed | skipped (not handed over; detail: why)
    detail: str
    provider_id: str | None = None
    forget: tuple[str, ...] = ()  # addresses the provider says are gone (push tokens)
    traits: dict[str, Any] | None = None  # what the answer teaches about the profile


class Sender(Protocol):
    def send(self, outgoing: Outgoing) -> Outcome: ...


class LogSender:
    """A channel without a provider: the message is recorded as delivered, nothing
    leaves (a development or dry-run workspace)."""

    def __init__(self, note: str | None = None) -> None:
        self._note = note

    def send(self, outgoing: Outgoing) -> Outcome:
        detail = f"log:{outgoing.channel}"
        return Outcome(DELIVERED, detail if self._note is None else f"{detail} ({self._note})")


@dataclass(frozen=True)
class Refused:
    """A message that cannot be sent at all (its template is missing or fails)."""

    why: str

    def send(self, outgoing: Outgoing) -> Outcome:
        return Outcome(FAILED, self.why)


@dataclass(frozen=True)
class Skipped:
    """A message not to send after all (its address is suppressed)."""

    reason: str

    def send(self, outgoing: Outgoing) -> Outcome:
        return Outcome(SKIPPED, self.reason)
