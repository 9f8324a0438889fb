"""Arbitration: whether a due message goes out now, waits or is skipped.

A pure function of the workspace policy, the profile's messages due together (its
contenders), what caps count already (its ledger), its time zone and consent. The
dispatcher calls it with what the database holds; a backtest with what it simulated.
Contenders are judged highest priority first, so when two journeys want the last slot
of a cap at once, the higher priority one gets it. A person's own limit, set in the
preference center, is one more cap (`cap:preference`), counting every marketing message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from baton.workspaces import Cap, Pause, Policy, QuietHours

SENT, SKIPPED, DEFERRED = "sent", "skipped", "deferred"
QUIET_HOURS, NO_CONSENT, HELD_OUT = "quiet_hours", "no_consent", "held_out"
CAP_PREFIX, PAUSE_PREFIX = "cap:", "paused:"
OWN_CAP = "preference"


@dataclass(frozen=True)
class Contender:
    id: str
    channel: str
    subscription_group: str | None
    priority: int
    transactional: bool
    on_cap: str  # skip | defer
    quiet_hours: dict[str, Any] | None  # None: the policy's; {}: none
    due_at: datetime


@dataclass(frozen=True)
class Verdict:
    decision: str  # sent | skipped | deferred
    reason: str | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class OwnLimit:
    """A person's own limit on their marketing messages: at most `weekly` in any seven
    days, and none before `paused_until`."""

    weekly: int | None = None
    paused_until: datetime | None = None

    SPAN = timedelta(days=7)

    @cached_property
    def cap(self) -> Cap | None:
        if self.weekly is None:
            return None
        return Cap.model_validate({"name": OWN_CAP, "max": self.weekly, "per": "7d"})


@dataclass
class Ledger:
    """A profile's messages that caps count: (sent at, channel, subscription group)."""

    sent: list[tuple[datetime, str, str | None]] = field(default_factory=list)


def arbitrate(
    policy: Policy,
    contenders: Sequence[Contender],
    ledger: Ledger,
    tz: ZoneInfo,
    consents: Callable[[str | None, str], bool],
    now: datetime,
    pauses: Sequence[Pause] = (),
    own: OwnLimit | None = None,
) -> list[tuple[Contender, Verdict]]:
    """A verdict for each contender, highest priority first; what is sent joins the
    ledger. `pauses`: those of the policy whose segment holds the profile now; `own`:
    the profile's own limit."""
    verdicts = []
    for contender in sorted(contenders, key=lambda c: (-c.priority, c.due_at, c.id)):
        verdict = judge(policy, contender, ledger, tz, consents, now, pauses, own)
        if verdict.decision == SENT and not contender.transactional:
            ledger.sent.append((now, contender.channel, contender.subscription_group))
        verdicts.append((contender, verdict))
    return verdicts


def judge(
    policy: Policy,
    contender: Contender,
    ledger: Ledger,
    tz: ZoneInfo,
    consents: Callable[[str | None, str], bool],
    now: datetime,
    pauses: Sequence[Pause] = (),
    own: OwnLimit | None = None,
) -> Verdict:
    if contender.transactional:
        return Verdict(SENT)
    if not consents(contender.subscription_group, contender.channel):
        return Verdict(SKIPPED, NO_CONSENT)
    for pause in pauses:
        if pause.holds(contender.subscription_group):
            return Verdict(DEFERRED, PAUSE_PREFIX + pause.name, now + pause.every)
    window = _quiet_hours(policy, contender)
    quiet_until = None if window is None else window.ends(now, tz, contender.channel)
    if quiet_until is not None:
        return Verdict(DEFERRED, QUIET_HOURS, quiet_until)
    bitten: list[tuple[datetime, str]] = []
    caps = policy.caps
    if own is not None:
        if own.paused_until is not None and now < own.paused_until:
            bitten.append((own.paused_until, CAP_PREFIX + OWN_CAP))
        if own.cap is not None:
            caps = [own.cap, *caps]
    for cap in caps:
        if not cap.counts(contender.channel, contender.subscription_group):
            continue
        counted = sorted(
            at
            for at, channel, group in ledger.sent
            if now - cap.span < at <= now and cap.counts(channel, group)
        )
        if len(counted) >= cap.limit:
            # The cap frees a slot when the oldest message it must forget leaves the window.
            bitten.append((counted[len(counted) - cap.limit] + cap.span, CAP_PREFIX + cap.name))
    if not bitten:
        return Verdict(SENT)
    if contender.on_cap == "defer":
        until, reason = max(bitten)
        return Verdict(DEFERRED, reason, until)
    return Verdict(SKIPPED, bitten[0][1])


def _quiet_hours(policy: Policy, contender: Contender) -> QuietHours | None:
    if contender.quiet_hours is None:
        return policy.quiet_hours
    return QuietHours.model_validate(contender.quiet_hours) if contender.quiet_hours else None
