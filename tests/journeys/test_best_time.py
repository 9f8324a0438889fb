"""`send_at: best_time`: people are sent at the hour they usually open e-mail, in their
own time zone, never in quiet hours, never later than `max_delay`; a holdout goes at
once, and the journey's stats compare the two. End to end on both databases, plus the
interpreter alone for the holdout draw and replay."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from baton.channels.engagement import record_open
from baton.core.clock import ManualClock
from baton.journeys.best_time import GROUPS, best_time_lift
from baton.journeys.definitions import parse_journey
from baton.journeys.interpreter import Enter, Send, Tick, advance, replay
from baton.journeys.reports import journey_stats
from baton.journeys.store import Journey
from baton.journeys.why import why
from baton.predict.send_time import BestHour
from baton.storage.database import write_transaction
from baton.storage.tables import messages
from baton.workspaces import QuietHours
from baton.workspaces.policy import parse_policy, save_policy
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, instances_of, messages_of, publish, run
from tests.journeys.test_interpreter import FakeProfile
from tests.segments.helpers import identify, track

QUIET = {"start": "22:00", "end": "07:00"}
PEOPLE = {
    "tokyo": ("Asia/Tokyo", 20),
    "paris": ("Europe/Paris", 10),
    "nyc": ("America/New_York", 10),
    "late": ("Europe/Budapest", 23),  # in quiet hours: the nearest allowed is 21:00
}
NEWBIE = ("newbie", "America/Los_Angeles")


def best_time_journey(**send: Any) -> dict[str, Any]:
    node = {"type": "message", "channel": "email", "template": "news", "send_at": "best_time"}
    return {
        "key": "news",
        "name": "News",
        "trigger": {"event": "Signed Up"},
        "start": "email",
        "nodes": {"email": {**node, **send}},
    }


def opens(rng: random.Random, tz: str, hour: int, now: datetime, count: int = 12) -> list[datetime]:
    """`count` opens over the last 60 days, all but a sixth at `hour` local (any minute)."""
    found = []
    for n in range(count):
        day = now.astimezone(ZoneInfo(tz)) - timedelta(days=rng.randint(1, 60))
        at_hour = hour if n % 6 else rng.randrange(24)
        found.append(day.replace(hour=at_hour, minute=rng.randrange(60)))
    return found


def record_opens(
    engine: Engine, workspace_id: str, user: str, instants: list[datetime], message: str = ""
) -> None:
    """Opens as delivery records them (the tracking pixel), each at its instant."""
    profile_id = profile(engine, workspace_id, user)["id"]
    with write_transaction(engine) as connection:
        for n, at in enumerate(instants):
            claims = {"ws": workspace_id, "p": profile_id, "m": message or f"old-{user}-{n}"}
            record_open(connection, claims, at)


def advance_to_noon(clock: ManualClock) -> datetime:
    """12:00 UTC: no one's hour has come (Tokyo 21:00, Paris 13:00, New York 07:00...)."""
    now = clock.now()
    target = now.replace(hour=12, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return clock.advance(target - now)


def set_quiet_hours(engine: Engine, workspace_id: str) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace_id, parse_policy({"quiet_hours": QUIET}))


def answer(
    engine: Engine, clock: ManualClock, workspace_id: str, journey: Journey, profile_id: str
) -> str:
    with engine.connect() as connection:
        found = why(connection, workspace_id, journey, profile_id, clock.now())
    return str(found["answer"])


def instances_by_user(
    engine: Engine, workspace_id: str, journey: Journey, users: list[str]
) -> dict[str, dict[str, Any]]:
    by_profile = {i["profile_id"]: i for i in instances_of(engine, journey)}
    return {user: by_profile[profile(engine, workspace_id, user)["id"]] for user in users}


def test_each_person_waits_for_their_own_hour_outside_quiet_hours(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    set_quiet_hours(engine, workspace.id)
    rng = random.Random(7)
    now = advance_to_noon(clock) - timedelta(minutes=5)
    people = [identify(user, now, timezone=tz) for user, (tz, _) in PEOPLE.items()]
    deliver(engine, clock, workspace.id, *people, identify(NEWBIE[0], now, timezone=NEWBIE[1]))
    for user, (tz, hour) in PEOPLE.items():
        record_opens(engine, workspace.id, user, opens(rng, tz, hour, now))
    journey = publish(engine, clock, workspace.id, best_time_journey(holdout=0))
    entered = clock.now()
    users = [*PEOPLE, NEWBIE[0]]
    deliver(engine, clock, workspace.id, *(track(u, "Signed Up", entered) for u in users))
    assert messages_of(engine, journey) == []  # everyone waits for their hour

    waiting = instances_by_user(engine, workspace.id, journey, users)
    zones = {user: ZoneInfo(tz) for user, (tz, _) in PEOPLE.items()} | {
        NEWBIE[0]: ZoneInfo(NEWBIE[1])
    }
    # Paris and New York open at 10:00: the workspace's hour, which the newcomer gets.
    expected = {"tokyo": 20, "paris": 10, "nyc": 10, "late": 21, "newbie": 10}
    for user, instance in waiting.items():
        assert instance["node"] == "email", user
        assert instance["state"]["waiting"], user
        wake = instance["wake_at"]
        assert wake.astimezone(zones[user]).hour == expected[user], user
        assert entered < wake <= entered + timedelta(hours=24)
    timing = {user: instance["state"]["send_at"] for user, instance in waiting.items()}
    assert {u: t["source"] for u, t in timing.items()} == {u: "own" for u in PEOPLE} | {
        "newbie": "workspace"
    }
    assert timing["late"]["hour"] == 23
    assert timing["newbie"]["basis"] == "workspace: 10:00"
    assert timing["tokyo"]["basis"] == "own opens: 20:00 local"
    waits = answer(engine, clock, workspace.id, journey, waiting["tokyo"]["profile_id"])
    assert "waits until 20:00 (their usual hour to open e-mail)" in waits

    # Each timer sends its message, which goes out at once: quiet hours hold none back.
    for instance in sorted(waiting.values(), key=lambda i: i["wake_at"]):
        clock.advance(max(instance["wake_at"] - clock.now(), timedelta(0)))
        run(engine, clock)
    sent = messages_of(engine, journey)
    assert len(sent) == len(users)
    for message in sent:
        assert message["status"] == "delivered"
        assert message["dispatched_at"] == message["created_at"]
        assert message["payload"]["send_at"]["group"] == "best_time"
    tokyo = answer(engine, clock, workspace.id, journey, waiting["tokyo"]["profile_id"])
    assert "waited until 20:00 (their usual hour to open e-mail)" in tokyo
    late = answer(engine, clock, workspace.id, journey, waiting["late"]["profile_id"])
    assert "waited until 21:00, the allowed time nearest to their usual hour" in late


def test_max_delay_caps_the_wait_and_no_history_anywhere_sends_at_once(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = advance_to_noon(clock) - timedelta(minutes=5)
    deliver(engine, clock, workspace.id, identify("alone", now, timezone="UTC"))
    journey = publish(engine, clock, workspace.id, best_time_journey(holdout=0))
    deliver(engine, clock, workspace.id, track("alone", "Signed Up", clock.now()))
    (sent,) = messages_of(engine, journey)
    assert sent["payload"]["send_at"]["source"] == "none"
    assert sent["status"] == "delivered"
    alone = answer(engine, clock, workspace.id, journey, sent["profile_id"])
    assert "sent at once: no opens or clicks to time it by" in alone

    # Opens at 18:00 UTC; entered at 12:00 with max_delay 2h: the nearest is 14:00.
    rng = random.Random(3)
    deliver(engine, clock, workspace.id, identify("evening", now, timezone="UTC"))
    record_opens(engine, workspace.id, "evening", opens(rng, "UTC", 18, now))
    capped = {**best_time_journey(max_delay="2h", holdout=0), "key": "capped"}
    journey = publish(engine, clock, workspace.id, capped)
    entered = clock.advance(timedelta(minutes=5))
    deliver(engine, clock, workspace.id, track("evening", "Signed Up", entered))
    (instance,) = instances_of(engine, journey)
    assert instance["state"]["send_at"]["hour"] == 18
    assert entered < instance["wake_at"] <= entered + timedelta(hours=2)
    assert instance["wake_at"].astimezone(UTC).hour == 14


def test_the_stats_compare_opens_of_best_time_and_holdout_sends(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    advance_to_noon(clock)
    rng = random.Random(11)
    users = [f"u{n}" for n in range(30)]
    deliver(engine, clock, workspace.id, *(identify(u, clock.now(), timezone="UTC") for u in users))
    for user in users:
        record_opens(engine, workspace.id, user, opens(rng, "UTC", 15, clock.now()))
    journey = publish(engine, clock, workspace.id, best_time_journey(holdout=0.5))
    deliver(engine, clock, workspace.id, *(track(u, "Signed Up", clock.now()) for u in users))
    clock.advance(timedelta(hours=3, minutes=1))
    run(engine, clock)
    sent = messages_of(engine, journey)
    assert len(sent) == 30
    assert {m["status"] for m in sent} == {"delivered"}
    groups = {m["id"]: m["payload"]["send_at"]["group"] for m in sent}
    assert set(groups.values()) == {"best_time", "holdout"}
    # Everyone sent at their hour opens; of the holdout, only every other one.
    user_of = {profile(engine, workspace.id, u)["id"]: u for u in users}
    holdout_seen = 0
    for message in sent:
        if groups[message["id"]] == "holdout":
            holdout_seen += 1
            if holdout_seen % 2:
                continue
        user = user_of[message["profile_id"]]
        record_opens(engine, workspace.id, user, [clock.now()], message["id"])
    with engine.connect() as connection:
        stats = journey_stats(connection, journey)["nodes"]["email"]["best_time"]
    treated = sum(1 for g in groups.values() if g == "best_time")
    held = len(groups) - treated
    assert stats["best_time"]["delivered"] == treated
    assert stats["holdout"]["delivered"] == held
    assert stats["best_time"]["open_rate"] == 1.0
    assert stats["holdout"]["opened"] == held // 2
    assert stats["opened_lift"]["difference"] > 0.4
    assert stats["holdout"]["clicked"] == 0


# --- the interpreter alone ---------------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


class KnownHour:
    """Send times as the runner answers them, for one hour and quiet hours."""

    def __init__(self, hour: int | None, quiet: QuietHours | None = None) -> None:
        self._best = BestHour(hour, "own" if hour is not None else "none", 5)
        self._quiet = quiet

    def best_hour(self, profile_id: str, timezone: ZoneInfo) -> BestHour:
        return self._best

    def quiet_hours(self) -> QuietHours | None:
        return self._quiet


def test_the_holdout_share_is_respected_and_fixed_per_profile() -> None:
    definition = parse_journey(best_time_journey(holdout=0.2))
    entered = [
        advance(
            definition,
            None,
            Enter(T0, {"event": "Signed Up"}),
            FakeProfile(f"prof_{n}"),
            send_times=KnownHour(15),
        )
        for n in range(4000)
    ]
    held = [r for r in entered if r.state.live is False]
    assert 0.18 < len(held) / len(entered) < 0.22
    for result in held:  # the holdout goes at once
        (send,) = result.effects
        assert isinstance(send, Send)
        assert send.payload["send_at"]["group"] == "holdout"
    for result in entered:
        if result.state.live:
            assert result.effects == []
            assert result.state.wake_at == T0.replace(hour=15)
    again = advance(
        definition,
        None,
        Enter(T0, {"event": "Signed Up"}),
        FakeProfile("prof_7"),
        send_times=KnownHour(15),
    )
    assert again.state.live == entered[7].state.live


def test_a_recorded_best_time_history_replays_to_the_same_sends() -> None:
    definition = parse_journey(best_time_journey(holdout=0))
    profile = FakeProfile("prof_1", timezone=ZoneInfo("Europe/Budapest"))
    quiet = QuietHours.model_validate(QUIET)
    first = advance(
        definition,
        None,
        Enter(T0, {"event": "Signed Up"}),
        profile,
        send_times=KnownHour(23, quiet),
    )
    assert first.state.wake_at is not None
    assert first.state.wake_at.astimezone(profile.timezone).hour == 21
    second = advance(
        definition, first.state, Tick(first.state.wake_at), profile, send_times=KnownHour(None)
    )
    (send,) = second.effects
    assert isinstance(send, Send)
    assert send.payload["send_at"]["local"] == "21:00"
    # Today's answers differ (no hour, no quiet hours): the history decides.
    again = replay(
        definition, {"event": "Signed Up"}, T0, [*first.steps, *second.steps], profile, {}
    )
    assert again.effects == second.effects
    assert again.state.outcome == "completed"


def test_the_lift_counts_more_people_than_a_statement_takes_parameters(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    # More delivered people than SQLite's 32766 (and psycopg's 65535) bound values.
    people = 66_000
    journey_id = f"lift{workspace.id[-30:]}"
    with write_transaction(engine) as connection:
        connection.execute(
            insert(messages),
            [
                {
                    "id": f"{n}{workspace.id[-30:]}",
                    "workspace_id": workspace.id,
                    "profile_id": f"p{n}",
                    "journey_id": journey_id,
                    "node": "email",
                    "channel": "email",
                    "status": "delivered",
                    "idempotency_key": f"lift-{workspace.id}-{n}",
                    "payload": {"send_at": {"group": GROUPS[n % 2]}},
                    "created_at": clock.now(),
                    "due_at": clock.now(),
                }
                for n in range(people)
            ],
        )
    with engine.connect() as connection:
        lift = best_time_lift(connection, journey_id, workspace.id)
    assert lift["email"]["best_time"]["delivered"] == people // 2
