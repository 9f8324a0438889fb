"""What the console's Home reads, on both databases: live activity (the domain's rates on
a manual clock, and the server-sent events over real HTTP), journeys needing attention,
and KPIs with their trend."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, update

from baton.analytics.activity import _first_seq_received_since, activity
from baton.api import activity as activity_api
from baton.channels.senders import MESSAGE_DELIVERED, MESSAGE_FAILED, MESSAGE_SENT
from baton.core.clock import ManualClock
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.storage.tables import events, workspaces
from baton.teams import Role
from baton.timeline import timeline_row, write_events
from baton.workspaces import create_workspace
from tests.analytics.test_kpis import EXPECTED, shop
from tests.api.test_journeys import YAML
from tests.api.test_login import make_user, sign_in
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.identity.helpers import profile, send
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track


def test_activity_counts_the_last_ten_seconds_of_one_workspace(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    clock.advance(timedelta(minutes=1))
    start = clock.now()
    send(engine, clock, workspace.id, *(track(f"u{i}", "Page Viewed", start) for i in range(3)))
    with write_transaction(engine) as connection:
        other = create_workspace(connection, "other", clock)
    send(engine, clock, other, *(track(f"x{i}", "Page Viewed", start) for i in range(5)))
    clock.advance(timedelta(seconds=4))
    someone = profile(engine, workspace.id, "u0")["id"]
    outcomes = [MESSAGE_SENT, MESSAGE_SENT, MESSAGE_DELIVERED, MESSAGE_FAILED, "Segment Entered"]
    rows = [
        timeline_row(workspace.id, someone, name, {}, clock.now(), f"message:m{n}:{name}")
        for n, name in enumerate(outcomes)
    ]
    with write_transaction(engine) as connection:
        write_events(connection, rows, clock.now(), named_only=True)
        # As identity marks an event it could not resolve.
        connection.execute(
            update(events)
            .where(events.c.workspace_id == workspace.id, events.c.event == "Page Viewed")
            .where(events.c.user_id == "u2")
            .values(error="ValueError: broken")
        )

    def rates() -> tuple[float, float, float]:
        with engine.connect() as connection:
            found = activity(connection, workspace.id, clock.now())
        assert found.at == clock.now()
        return found.events_per_second, found.messages_per_second, found.errors_per_second

    # Three page views; two messages sent (delivered is the same message, segment events
    # are Baton's own); one failed, one event identity could not resolve.
    assert rates() == (0.3, 0.2, 0.2)
    clock.advance(timedelta(seconds=7))  # the page views are 11 s old
    assert rates() == (0.0, 0.2, 0.1)
    clock.advance(timedelta(seconds=10))
    assert rates() == (0.0, 0.0, 0.0)


def test_activity_finds_the_window_among_many_rows(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """The first row of the window is sought by `seq`: over rows a second apart, each
    reading counts exactly those of the last ten seconds."""
    clock.advance(timedelta(minutes=1))
    for second in range(40):
        send(engine, clock, workspace.id, track(f"u{second}", "Tick", clock.now()))
        clock.advance(timedelta(seconds=1))
        with engine.connect() as connection:
            found = activity(connection, workspace.id, clock.now())
        # One a second, the newest a second old: the window holds ten at most.
        assert found.events_per_second == min(second + 1, 10) / 10, second
        with engine.connect() as connection:
            since = clock.now() - timedelta(seconds=10)
            first = connection.execute(
                select(func.min(events.c.seq)).where(events.c.received_at >= since)
            ).scalar()
            # The search lands on the window's first row, not merely before it.
            assert _first_seq_received_since(connection, since) == first


def _first_event(lines: Iterator[str]) -> tuple[list[str], dict[str, Any]]:
    """The lines before the first `data:` line, and its JSON."""
    before: list[str] = []
    for line in lines:
        if line.startswith("data: "):
            return before, json.loads(line.removeprefix("data: "))
        before.append(line)
    raise AssertionError(f"the stream ended without data after {before}")


def test_the_activity_stream_sends_server_sent_events(
    client: httpx.Client, clock: ManualClock, workspace: Workspace
) -> None:
    clock.advance(timedelta(minutes=1))
    ingest(client, workspace, *({"type": "track", "userId": "s", "event": "Go"},) * 2)
    url = "/api/v1/activity/stream"
    began = time.monotonic()
    with client.stream("GET", url, headers=bearer(workspace.admin_token)) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["cache-control"] == "no-cache"
        before, first = _first_event(answer.iter_lines())
    assert time.monotonic() - began < 2
    assert f"retry: {activity_api.RETRY_MS}" in before
    assert ": live activity" in before
    assert first == {
        "at": clock.now().isoformat().replace("+00:00", "Z"),
        "events_per_second": 0.2,
        "messages_per_second": 0.0,
        "errors_per_second": 0.0,
    }
    assert client.get(url).status_code == 401


def test_a_signed_in_person_streams_without_a_csrf_token(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """EventSource sends the cookie and no header: a GET needs no CSRF token."""
    email = f"viewer-{workspace.id}@example.com"
    make_user(engine, clock, workspace.id, Role.VIEWER, email)
    sign_in(client, email)
    with client.stream("GET", "/api/v1/activity/stream") as answer:
        assert answer.status_code == 200
        _, first = _first_event(answer.iter_lines())
    assert first["events_per_second"] == 0.0


def test_the_activity_stream_ends_when_its_lifetime_is_over(
    client: httpx.Client,
    clock: ManualClock,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(activity_api, "INTERVAL", 0.01)
    url = "/api/v1/activity/stream"
    with client.stream("GET", url, headers=bearer(workspace.admin_token)) as answer:
        lines = answer.iter_lines()
        _first_event(lines)
        clock.advance(activity_api.LIFETIME)
        began = time.monotonic()
        rest = [line for line in lines if line.startswith("data: ")]
    assert time.monotonic() - began < 2
    # The reading that finds the lifetime over is the stream's last.
    assert 1 <= len(rest) < 100


_TRIAL = """
name: Trial
trigger: {api: true}
goal: {event: Activated}
start: wait
nodes:
  wait: {type: delay, duration: 30d}
"""


_FAILING_TEMPLATE = {
    "channel": "email",
    "subject": "Hi",
    # A style attribute the CSS inliner cannot read, from a trait: the send fails.
    "html": '<style>p { margin: 0 }</style><p style="{{ profile.traits.style }}">Hi</p>',
}


def test_failing_sends_and_approvals_waiting_need_attention(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    assert client.get("/api/v1/attention", headers=admin).json() == {"items": []}
    saved = client.put("/api/v1/templates/broken", json=_FAILING_TEMPLATE, headers=admin)
    assert saved.status_code == 201, saved.text
    journey = {"key": "welcome", "name": "Welcome", "trigger": {"event": "Go"},
               "start": "send", "nodes": {"send": {"type": "message", "channel": "email",
                                                   "template": "broken"}}}  # fmt: skip
    published = publish(engine, clock, workspace.id, journey)
    people = [identify(f"p{i}", clock.now(), style="{") for i in range(3)]
    deliver(engine, clock, workspace.id, *people)
    deliver(engine, clock, workspace.id, *(track(f"p{i}", "Go", clock.now()) for i in range(3)))
    assert {m["status"] for m in messages_of(engine, published)} == {"failed"}

    with write_transaction(engine) as connection:
        connection.execute(
            update(workspaces)
            .where(workspaces.c.id == workspace.id)
            .values(require_approval=["journeys"])
        )
    email = f"marketer-{workspace.id}@example.com"
    make_user(engine, clock, workspace.id, Role.MARKETER, email)
    with httpx.Client(base_url=str(client.base_url), timeout=10) as marketer:
        csrf = {"X-CSRF-Token": sign_in(marketer, email)}
        saved = marketer.put("/api/v1/journeys/trial", content=_TRIAL, headers={**csrf, **YAML})
        assert saved.status_code == 201, saved.text
        held = marketer.post("/api/v1/journeys/trial/publish", headers=csrf)
        assert held.status_code == 202, held.text

    found = client.get("/api/v1/attention", headers=admin).json()["items"]
    assert found == [
        {
            "journey": "welcome",
            "name": "Welcome",
            "reason": "failing_sends",
            "message": "3 messages failed to send in the last 24 hours",
            "count": 3,
        },
        {
            "journey": "trial",
            "name": "Trial",
            "reason": "approval_waiting",
            "message": "A change is waiting for approval",
            "count": 1,
        },
    ]
    clock.advance(timedelta(hours=24, seconds=1))
    later = client.get("/api/v1/attention", headers=admin).json()["items"]
    assert [item["reason"] for item in later] == ["approval_waiting"]


def _cohort(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    name: str, size: int, reaching: range, small: range,
) -> None:  # fmt: skip
    """`size` people enter both journeys (`small` only those of that range); `reaching`
    reach the goal a minute later."""
    people = [
        {"type": "identify", "userId": f"{name}{i}",
         "traits": {"cohort": name, "small": "yes" if i in small else "no"}}
        for i in range(size)
    ]  # fmt: skip
    ingest(client, workspace, *people)
    run(engine, clock)
    admin = bearer(workspace.admin_token)
    for key, where in (("trial", {"cohort": name}), ("small", {"cohort": name, "small": "yes"})):
        entered = client.post(f"/api/v1/journeys/{key}/enter", json={"where": where}, headers=admin)
        expected = len(small) if key == "small" else size
        assert entered.json()["entered"] == expected, entered.text
    clock.advance(timedelta(minutes=1))
    activated = [{"type": "track", "userId": f"{name}{i}", "event": "Activated"} for i in reaching]
    ingest(client, workspace, *activated)
    run(engine, clock)


def test_a_goal_rate_fallen_by_a_fifth_needs_attention_with_enough_entries(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    for key in ("trial", "small"):
        client.put(f"/api/v1/journeys/{key}", content=_TRIAL, headers={**admin, **YAML})
        assert client.post(f"/api/v1/journeys/{key}/publish", headers=admin).status_code == 200
    # The week before: half of 60 reach the goal; in "small", all of 10.
    _cohort(client, engine, clock, workspace, "a", 60, range(30), range(10))
    clock.advance(timedelta(days=7, hours=1))
    # This week: a quarter of 60; in "small", none of 10 (too few to tell).
    _cohort(client, engine, clock, workspace, "b", 60, range(15), range(50, 60))

    found = client.get("/api/v1/attention", headers=admin).json()["items"]
    assert found == [
        {
            "journey": "trial",
            "name": "Trial",
            "reason": "goal_down",
            "message": "Goal rate fell from 50% to 25% for the 60 people who entered in the "
            "last 7 days",
            "count": 60,
        }
    ]
    # A week on, this week is the one before, and nobody entered since.
    clock.advance(timedelta(days=7))
    assert client.get("/api/v1/attention", headers=admin).json()["items"] == []


def test_kpis_with_their_trend_the_period_before_and_a_series_per_day(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    server: tuple[str, Runtime],
) -> None:  # fmt: skip
    day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    send(engine, clock, workspace.id, *shop(day))
    end = day + timedelta(days=3)
    store = server[1].analytics
    assert store is not None
    store.sync(engine, end)
    admin = bearer(workspace.admin_token)

    def answer(start: Any, until: Any, **extra: Any) -> dict[str, Any]:
        params = {"from": start.isoformat(), "to": until.isoformat(), **extra}
        found = client.get("/api/v1/kpis", params=params, headers=admin)
        assert found.status_code == 200, found.text
        result: dict[str, Any] = found.json()
        return result

    plain = answer(day, end)
    trend = answer(day, end, trend="true")
    assert {k: trend[k] for k in plain} == plain
    assert set(trend) - set(plain) == {"previous", "series", "bucket_days"}
    assert trend["previous"] == answer(day - timedelta(days=3), day)
    assert trend["previous"]["visitors"] == 1  # cara, the day before
    assert trend["bucket_days"] == 1
    dates = [(day + timedelta(days=n)).date().isoformat() for n in range(3)]
    series = trend["series"]
    assert sorted(series) == sorted(
        ["visitors", "buyers", "orders", "revenue", "conversion_rate", "average_order_value",
         "nps", "csat"]
    )  # fmt: skip
    for name, points in series.items():
        assert [p["date"] for p in points] == dates
        # The whole shop's day is the first: its figures are the period's.
        assert points[0]["value"] == pytest.approx(EXPECTED[name]), name
        empty = None if name in ("conversion_rate", "average_order_value", "nps", "csat") else 0
        assert [p["value"] for p in points[1:]] == [empty, empty], name

    year = answer(day - timedelta(days=400), day, trend="true")
    assert year["bucket_days"] == 5
    assert len(year["series"]["orders"]) == 80
    assert sum(p["value"] for p in year["series"]["orders"]) == year["orders"] == 2
    widest = answer(datetime(1900, 1, 1, tzinfo=UTC), day, trend="1")
    assert len(widest["series"]["visitors"]) <= 92
