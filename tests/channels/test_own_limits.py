"""A person's own limit (the preference center) in arbitration, as a pure function: one
more cap over every marketing message, and a pause, with the reason `cap:preference`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from baton.channels.arbitration import DEFERRED, SENT, SKIPPED, Ledger, OwnLimit, Verdict, judge
from baton.workspaces.policy import parse_policy
from tests.channels.test_arbitration import PARIS, T, contender


def judged(own: OwnLimit, sent: list[tuple[int, str]], **rules: Any) -> Verdict:
    """The verdict at T with `sent` (days before T, channel) in the ledger."""
    ledger = Ledger([(T - timedelta(days=days), channel, "news") for days, channel in sent])
    policy = parse_policy({"caps": [{"name": "daily", "max": 5, "per": "1d"}]})
    return judge(policy, contender(**rules), ledger, PARIS, lambda *_: True, T, (), own)


def test_a_weekly_limit_counts_every_channel_over_seven_days() -> None:
    once = OwnLimit(weekly=1)
    assert judged(once, []).decision == SENT
    assert judged(once, [(8, "email")]).decision == SENT  # outside the week
    assert judged(once, [(3, "sms")]) == Verdict(SKIPPED, "cap:preference")
    # Deferred until the week since the last counted message is over.
    deferred = judged(once, [(3, "sms")], on_cap="defer")
    assert deferred == Verdict(DEFERRED, "cap:preference", T + timedelta(days=4))
    assert judged(OwnLimit(weekly=3), [(1, "email"), (2, "push")]).decision == SENT
    assert judged(OwnLimit(weekly=3), [(1, "email"), (2, "push"), (6, "sms")]).decision == SKIPPED


def test_a_pause_holds_marketing_until_it_ends_and_never_transactional() -> None:
    paused = OwnLimit(paused_until=T + timedelta(days=30))
    assert judged(paused, []) == Verdict(SKIPPED, "cap:preference")
    assert judged(paused, [], on_cap="defer") == Verdict(
        DEFERRED, "cap:preference", T + timedelta(days=30)
    )
    assert judged(paused, [], transactional=True).decision == SENT
    assert judged(OwnLimit(paused_until=T), []).decision == SENT  # over
    assert judged(OwnLimit(), []).decision == SENT
