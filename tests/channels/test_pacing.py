"""Per-provider pacing, on both databases: a provider limited to N messages a second never
receives them faster, however many are due at once. The rate limiter runs on time that
stands still, and its sleeps are kept instead of slept: no test waits, none reads a wall
clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import Engine

from baton.channels import delivery
from baton.channels.ratelimit import RateLimits
from baton.channels.settings import SmsSettings, save_settings
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, messages_of, publish
from tests.segments.helpers import identify, track
from tests.servers import HttpServer

RATE = 4  # messages a second
PEOPLE = 14


class StoppedTime:
    """Time for the rate limiter that stands still at 0, as every message is due at the
    same instant: each sleep is kept, since when a sender sleeps is when it is let go."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch) -> StoppedTime:
    """The process's rate limits, on stopped time for this test."""
    time = StoppedTime()
    monkeypatch.setattr(delivery, "LIMITS", RateLimits(time.monotonic, time.sleep))
    return time


@pytest.fixture
def provider() -> Iterator[HttpServer]:
    answer = orjson.dumps({"sid": "SM1", "status": "queued"})
    with HttpServer(lambda _: (201, {"Content-Type": "application/json"}, answer)) as server:
        yield server


def test_a_provider_limited_to_n_a_second_never_gets_more(
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    provider: HttpServer,
    stopped: StoppedTime,
) -> None:
    settings = SmsSettings(api_url=provider.url, account_sid="AC42", auth_token="tok-tok-tok-1",
                           allow=["127.0.0.1"], sender="+15005550006", rate=RATE)  # fmt: skip
    with write_transaction(engine) as connection:
        save_settings(connection, workspace.id, "sms", settings, clock.now())
        template = parse_template({"key": "hi", "channel": "sms", "body": "Hi"})
        save_template(connection, workspace.id, template, clock.now())
    send = {"type": "message", "channel": "sms", "template": "hi"}
    definition = {"key": "hi", "name": "Hi", "trigger": {"event": "Go"}, "start": "send"}
    journey = publish(engine, clock, workspace.id, {**definition, "nodes": {"send": send}})
    people = [f"p{n}" for n in range(PEOPLE)]
    phones = [identify(p, clock.now(), phone=f"(415) 555-01{n:02}") for n, p in enumerate(people)]
    deliver(engine, clock, workspace.id, *phones)
    deliver(engine, clock, workspace.id, *(track(p, "Go", clock.now()) for p in people))

    assert [m["status"] for m in messages_of(engine, journey)] == ["delivered"] * PEOPLE
    assert len(provider.requests) == PEOPLE
    # When each message went, in seconds after they all fell due: those the limiter let
    # through at once, then those it held back.
    assert len(stopped.slept) <= PEOPLE
    went = [0.0] * (PEOPLE - len(stopped.slept)) + sorted(stopped.slept)
    # A token bucket's promise: in any span of t seconds, at most a second's worth (the
    # burst) plus RATE * t.
    for first in range(PEOPLE):
        for last in range(first, PEOPLE):
            span = went[last] - went[first]
            assert last - first + 1 <= RATE + RATE * span + 1e-9, (went, first, last)
