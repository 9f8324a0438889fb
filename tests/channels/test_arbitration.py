"""Arbitration as a pure function: quiet hours in local time, caps and their deferrals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from baton.channels.arbitration import Contender, Ledger, Verdict, arbitrate, judge
from baton.channels.consent import allowed
from baton.core.errors import InvalidInput
from baton.workspaces.policy import QuietHours, parse_policy

PARIS = ZoneInfo("Europe/Paris")
T = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def contender(name: str = "m", **rules: Any) -> Contender:
    given: dict[str, Any] = {
        "channel": "email",
        "subscription_group": None,
        "priority": 50,
        "transactional": False,
        "on_cap": "skip",
        "quiet_hours": None,
        "due_at": T,
        **rules,
    }
    return Contender(id=name, **given)


def verdict(policy: dict[str, Any], sent: list[datetime], at: datetime, **rules: Any) -> Verdict:
    ledger = Ledger([(when, "email", None) for when in sent])
    return judge(parse_policy(policy), contender(**rules), ledger, PARIS, lambda *_: True, at)


@pytest.mark.parametrize(
    ("local", "until"),
    [
        ("2026-03-10T20:59", None),
        ("2026-03-10T21:00", "2026-03-11T08:00"),
        ("2026-03-10T23:30", "2026-03-11T08:00"),
        ("2026-03-11T03:00", "2026-03-11T08:00"),
        ("2026-03-11T08:00", None),
        ("2026-03-29T01:30", "2026-03-29T08:00"),
    ],
)
def test_quiet_hours_spanning_midnight_end_at_the_next_local_morning(
    local: str, until: str | None
) -> None:
    window = QuietHours(start="21:00", end="08:00")
    at = datetime.fromisoformat(local).replace(tzinfo=PARIS)
    ends = window.ends(at, PARIS, "email")
    if until is None:
        assert ends is None
    else:
        assert ends is not None
        expected = datetime.fromisoformat(until).replace(tzinfo=PARIS)
        assert ends.astimezone(UTC) == expected.astimezone(UTC)


def test_quiet_hours_end_at_local_eight_across_the_change_to_summer_time() -> None:
    window = QuietHours(start="21:00", end="08:00")
    ends = window.ends(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), PARIS, "email")
    assert ends is not None
    assert ends.astimezone(UTC) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_a_daytime_window_and_a_channel_list() -> None:
    lunch = QuietHours(start="12:00", end="14:00", channels=["sms"])
    at = datetime(2026, 3, 10, 13, 0, tzinfo=PARIS)
    assert lunch.ends(at, PARIS, "sms") == datetime(2026, 3, 10, 14, 0, tzinfo=PARIS)
    assert lunch.ends(at, PARIS, "email") is None
    assert lunch.ends(at + timedelta(hours=1), PARIS, "sms") is None


def test_a_journeys_own_window_or_none_replaces_the_workspaces() -> None:
    policy = {"quiet_hours": {"start": "21:00", "end": "08:00"}}
    night = datetime(2026, 3, 10, 22, 0, tzinfo=PARIS)
    assert verdict(policy, [], night).decision == "deferred"
    assert verdict(policy, [], night, quiet_hours={}).decision == "sent"
    own = {"start": "22:30", "end": "07:00"}
    assert verdict(policy, [], night, quiet_hours=own).decision == "sent"
    later = verdict(policy, [], night + timedelta(hours=1), quiet_hours=own)
    assert later.until == datetime(2026, 3, 11, 7, 0, tzinfo=PARIS)
    assert verdict(policy, [], night, transactional=True).decision == "sent"


def test_a_deferral_waits_for_every_cap_that_bites() -> None:
    policy = {
        "caps": [
            {"name": "hourly", "max": 1, "per": "1h"},
            {"name": "daily", "max": 2, "per": "1d"},
        ]
    }
    sent = [T - timedelta(hours=5), T - timedelta(minutes=10)]
    skipped = verdict(policy, sent, T)
    assert (skipped.decision, skipped.reason) == ("skipped", "cap:hourly")
    deferred = verdict(policy, sent, T, on_cap="defer")
    # The hourly cap frees at T+50m, the daily one only when the first leaves: T+19h.
    assert deferred == Verdict("deferred", "cap:daily", T + timedelta(hours=19))
    assert verdict(policy, sent[:1], T).decision == "sent"
    # Messages in the ledger after the instant judged do not count (a backtest's ledger).
    assert verdict(policy, [T + timedelta(minutes=1)], T).decision == "sent"


def test_contenders_are_judged_by_priority_and_what_is_sent_counts_at_once() -> None:
    policy = parse_policy({"caps": [{"name": "daily", "max": 1, "per": "1d"}]})
    low, high = contender("low", priority=10), contender("high", priority=90)
    receipt = contender("receipt", priority=0, transactional=True)
    ledger = Ledger()
    verdicts = arbitrate(policy, [low, receipt, high], ledger, PARIS, lambda *_: True, T)
    assert [(c.id, v.decision) for c, v in verdicts] == [
        ("high", "sent"),
        ("low", "skipped"),
        ("receipt", "sent"),
    ]
    assert len(ledger.sent) == 1


def test_consent_comes_from_records_then_traits() -> None:
    assert allowed({}, {}, "news", "email")
    assert not allowed({}, {"unsubscribed": True}, None, "email")
    assert not allowed({}, {"subscriptions": {"news": False}}, "news", "email")
    assert allowed({}, {"subscriptions": {"news": False}}, "promos", "email")
    # A recorded choice wins over traits: the group's, then the channel's, then everything's.
    assert allowed({"news": True}, {"unsubscribed": True}, "news", "email")
    assert not allowed({"*": False}, {}, "news", "email")
    assert allowed({"*": False, "news": True}, {}, "news", "email")
    assert not allowed({"*": False}, {}, None, "email")
    assert not allowed({"channel:sms": False}, {}, "news", "sms")
    assert allowed({"channel:sms": False}, {}, "news", "email")
    assert allowed({"channel:sms": False, "news": True}, {}, "news", "sms")
    refused = judge(
        parse_policy({}),
        contender(subscription_group="news"),
        Ledger(),
        PARIS,
        lambda group, _: group != "news",
        T,
    )
    assert refused == Verdict("skipped", "no_consent")


def test_bad_policies_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="quiet_hours: start and end must differ"):
        parse_policy({"quiet_hours": {"start": "08:00", "end": "08:00"}})
    with pytest.raises(InvalidInput, match=r"caps\.0\.name"):
        parse_policy({"caps": [{"name": "Bad Name", "max": 1, "per": "1d"}]})
    with pytest.raises(InvalidInput, match=r"pauses\.0\.recheck: .*once a minute"):
        parse_policy({"pauses": [{"name": "t", "segment": "s", "recheck": "10s"}]})
    with pytest.raises(InvalidInput, match="names must differ"):
        parse_policy({"pauses": [{"name": "t", "segment": "a"}, {"name": "t", "segment": "b"}]})


def test_a_pause_holds_marketing_but_not_transactional_messages() -> None:
    policy = parse_policy(
        {"pauses": [{"name": "ticket", "segment": "open", "subscription_groups": ["promo"]}]}
    )
    (pause,) = policy.pauses

    def judged(**rules: Any) -> Verdict:
        return judge(policy, contender(**rules), Ledger(), PARIS, lambda *_: True, T, [pause])

    assert judged(subscription_group="promo") == Verdict(
        "deferred", "paused:ticket", T + timedelta(minutes=15)
    )
    assert judged(subscription_group="promo", transactional=True) == Verdict("sent")
    assert judged(subscription_group="service") == Verdict("sent")  # not a paused group
    assert judge(policy, contender(subscription_group="promo"), Ledger(), PARIS,
                 lambda *_: True, T) == Verdict("sent")  # fmt: skip
