"""The webhook channel against a real HTTP server on 127.0.0.1, on both databases:
templated calls with their URL values percent-encoded, signed as a Standard Webhooks
receiver checks them, retries with backoff, dead letters, the SSRF guard."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson
import pytest
from sqlalchemy import Engine, select
from standardwebhooks import Webhook, WebhookVerificationError

from baton.channels.settings import (
    WebhookSettings,
    load_settings,
    parse_settings,
    save_settings,
)
from baton.core.clock import ManualClock, SystemClock
from baton.core.errors import InvalidInput
from baton.journeys.definitions import parse_journey
from baton.storage.database import connect, write_transaction
from baton.storage.tables import message_attempts
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from tests.channels.helpers import signature_holds, timeline
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track

SECRET = "s3cret-s3cret-s3cret"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Provider:
    """A local HTTP server answering by path: /ok 200, /bad 400, /flaky 500 the first
    `failures` times, /down 500 always, /slow too late the first time, /moved a redirect."""

    port: int = 0
    calls: list[Received] = field(default_factory=list)
    failures: int = 2

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def called(self, path: str) -> list[Received]:
        return [c for c in self.calls if c.path.split("?")[0] == path]


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.calls.append(Received(self.path, dict(self.headers.items()), body))
            path = self.path.split("?")[0]
            status = {"/ok": 200, "/bad": 400, "/down": 503}.get(path, 200)
            if path == "/flaky":
                status = 500 if len(state.called("/flaky")) <= state.failures else 200
            if path == "/slow" and len(state.called("/slow")) == 1:
                time.sleep(1.5)
            if path == "/moved":
                self.send_response(302)
                self.send_header("Location", state.url("/ok"))
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true, "data": {"tier": "gold", "points": [120, 80]}}')

        do_POST = do_PUT = do_GET = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()


def hook(path: str, **node: Any) -> dict[str, Any]:
    return {
        "key": "hook-" + re.sub(r"[^a-z0-9]+", "-", path.rsplit("/", 1)[-1].lower()).strip("-"),
        "name": "hook",
        "trigger": {"event": "Go"},
        "start": "call",
        "nodes": {"call": {"type": "webhook", "url": path, **node}},
    }


def configure(engine: Engine, clock: ManualClock, workspace_id: str, **settings: Any) -> None:
    with write_transaction(engine) as connection:
        save_settings(
            connection,
            workspace_id,
            "webhook",
            WebhookSettings(secret=SECRET, timeout="1s", **settings),
            clock.now(),
        )
        save_policy(connection, workspace_id, parse_policy({"constants": {"shop": "Acme"}}))


def attempts_of(engine: Engine, message_id: str) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(message_attempts.c.outcome, message_attempts.c.detail)
            .where(message_attempts.c.message_id == message_id)
            .order_by(message_attempts.c.n)
        )
        return [(outcome, detail) for outcome, detail in rows]


def test_a_call_is_templated_signed_and_recorded(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    journey = publish(
        engine,
        clock,
        workspace.id,
        hook(
            provider.url("/ok") + "?who={{ profile.traits.name }}",
            headers={"X-Shop": "{{ workspace.shop }}"},
            body={"sku": "{{ event.properties.sku }}", "n": 3},
        ),
    )
    deliver(engine, clock, workspace.id, identify("ann", clock.now(), name="Ann"))
    clock.advance(timedelta(seconds=1))
    deliver(engine, clock, workspace.id, track("ann", "Go", clock.now(), {"sku": "A1"}))
    (message,) = messages_of(engine, journey)
    assert message["status"] == "delivered"
    (call,) = provider.called("/ok")
    assert call.path == "/ok?who=Ann"
    assert orjson.loads(call.body) == {"sku": "A1", "n": 3}
    assert call.headers["X-Shop"] == "Acme"
    assert call.headers["Idempotency-Key"] == message["idempotency_key"]
    # Signed to the Standard Webhooks spec, the secret's UTF-8 bytes the key.
    assert call.headers["webhook-id"] == message["idempotency_key"]
    assert call.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert signature_holds(SECRET.encode(), call.headers, call.body)
    assert attempts_of(engine, message["id"]) == [("delivered", "HTTP 200")]
    sent, delivered = timeline(engine, message["profile_id"], "Message Sent", "Message Delivered")
    assert (sent["event"], delivered["event"]) == ("Message Sent", "Message Delivered")
    assert sent["message_id"] == delivered["message_id"] == message["id"]


def test_the_answer_can_set_profile_traits(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    mapping = {"tier": "data.tier", "points": "data.points.0", "missing": "data.nope.x"}
    publish(engine, clock, workspace.id, hook(provider.url("/loyalty"), response_traits=mapping))
    deliver(engine, clock, workspace.id, identify("ola", clock.now(), tier="silver"))
    deliver(engine, clock, workspace.id, track("ola", "Go", clock.now()))
    traits = profile(engine, workspace.id, "ola")["traits"]
    assert (traits["tier"], traits["points"]) == ("gold", 120)
    assert "missing" not in traits
    with pytest.raises(InvalidInput, match="not a path"):
        parse_journey(hook(provider.url("/x"), response_traits={"tier": "data..tier"}))


def test_a_failing_provider_is_retried_with_backoff_under_one_idempotency_key(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    journey = publish(engine, clock, workspace.id, hook(provider.url("/flaky")))
    began = clock.now()
    deliver(engine, clock, workspace.id, track("bob", "Go", began))
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("pending", 1)
    # The first retry waits 30 s, give or take 20%.
    assert began + timedelta(seconds=24) <= message["due_at"] <= began + timedelta(seconds=36)
    for _ in range(2):
        clock.advance(timedelta(minutes=2))
        run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("delivered", 3)
    assert [o for o, _ in attempts_of(engine, message["id"])] == ["retry", "retry", "delivered"]
    calls = provider.called("/flaky")
    assert {c.headers["Idempotency-Key"] for c in calls} == {message["idempotency_key"]}
    assert {c.headers["webhook-id"] for c in calls} == {message["idempotency_key"]}
    # Each attempt is signed at its own time.
    assert len({c.headers["webhook-timestamp"] for c in calls}) == 3
    assert all(signature_holds(SECRET.encode(), c.headers, c.body) for c in calls)


def test_a_refused_call_is_a_dead_letter_on_the_timeline(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    bad = publish(engine, clock, workspace.id, hook(provider.url("/bad")))
    moved = publish(engine, clock, workspace.id, hook(provider.url("/moved")))
    deliver(engine, clock, workspace.id, track("cy", "Go", clock.now()))
    for journey, detail in ((bad, "HTTP 400"), (moved, "HTTP 302")):
        (message,) = messages_of(engine, journey)
        assert message["status"] == "failed"
        assert message["detail"].startswith(detail)
    assert provider.called("/ok") == []  # the redirect was not followed
    failed = timeline(engine, message["profile_id"], "Message Failed")
    assert len(failed) == 2
    assert {e["error"][:8] for e in failed} == {"HTTP 400", "HTTP 302"}


def test_a_provider_always_down_is_given_up_after_six_attempts(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    journey = publish(engine, clock, workspace.id, hook(provider.url("/down")))
    deliver(engine, clock, workspace.id, track("dee", "Go", clock.now()))
    for _ in range(6):
        clock.advance(timedelta(hours=2))
        run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("failed", 6)
    outcomes = [o for o, _ in attempts_of(engine, message["id"])]
    assert outcomes == ["retry"] * 5 + ["failed"]


def test_a_slow_provider_times_out_and_is_retried(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    journey = publish(engine, clock, workspace.id, hook(provider.url("/slow")))
    began = clock.now()
    deliver(engine, clock, workspace.id, track("eve", "Go", began))
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("pending", 1)
    assert message["detail"] == "no answer within 1s"
    # The retry waits 30 s, give or take 20%: not sooner ...
    assert began + timedelta(seconds=24) <= message["due_at"] <= began + timedelta(seconds=36)
    clock.advance(timedelta(seconds=20))
    run(engine, clock)
    assert len(provider.called("/slow")) == 1
    # ... but then, to the same server, under the same idempotency key.
    clock.advance(timedelta(seconds=20))
    run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("delivered", 2)
    assert attempts_of(engine, message["id"]) == [
        ("retry", "no answer within 1s"),
        ("delivered", "HTTP 200"),
    ]
    first, second = provider.called("/slow")
    assert first.headers["Idempotency-Key"] == message["idempotency_key"]
    assert second.headers["Idempotency-Key"] == message["idempotency_key"]
    assert second.body == first.body


def test_private_targets_are_refused_unless_allowed(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    before = len(provider.calls)  # no webhook settings yet: none allowed
    journey = publish(engine, clock, workspace.id, hook(provider.url("/ok") + "?ssrf=1"))
    deliver(engine, clock, workspace.id, track("fay", "Go", clock.now()))
    (message,) = messages_of(engine, journey)
    assert message["status"] == "failed"
    assert "127.0.0.1, which is not a public address" in message["detail"]
    assert len(provider.calls) == before
    with engine.connect() as connection:
        made = load_settings(connection, workspace.id)["webhook"]
    assert len(made.secret) >= 32  # made once for receivers to check signatures by
    configure(engine, clock, workspace.id, allow=["127.0.0.0/8"])
    again = publish(
        engine, clock, workspace.id, {**hook(provider.url("/ok") + "?ssrf=2"), "key": "again"}
    )
    deliver(engine, clock, workspace.id, track("fay", "Go", clock.now()))
    assert messages_of(engine, again)[0]["status"] == "delivered"


def test_values_placed_into_the_url_are_percent_encoded_unless_raw(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    url = provider.url(
        "/items/{{ event.properties.sku }}/{{ event.properties.up }}"
        "?q={{ event.properties.q }}&tag={{ event.properties.sku }}&from=journey/a"
        "&{{ event.properties.paging | raw }}"
    )
    sku = "x/../../admin?evil=1#"
    node = {
        "headers": {"X-Sku": "{{ event.properties.sku }}"},
        "body": {"sku": "{{ event.properties.sku }}"},
    }
    publish(engine, clock, workspace.id, hook(url, **node))
    properties = {"sku": sku, "up": "..", "q": "a b&c=d#e", "paging": "page=2&size=10"}
    deliver(engine, clock, workspace.id, track("ida", "Go", clock.now(), properties))
    (call,) = [c for c in provider.calls if c.path.startswith("/items/")]
    assert call.path == (
        "/items/x%2F..%2F..%2Fadmin%3Fevil%3D1%23/%2E%2E"
        "?q=a%20b%26c%3Dd%23e&tag=x%2F..%2F..%2Fadmin%3Fevil%3D1%23&from=journey/a"
        "&page=2&size=10"
    )
    # What the receiver reads: each value one path segment or one query value.
    parts = urlsplit(call.path)
    assert [unquote(step) for step in parts.path.split("/")] == ["", "items", sku, ".."]
    assert parse_qs(parts.query) == {
        "q": ["a b&c=d#e"],
        "tag": [sku],
        "from": ["journey/a"],
        "page": ["2"],
        "size": ["10"],
    }
    # Headers and the body carry the value as it is.
    assert call.headers["X-Sku"] == sku
    assert orjson.loads(call.body) == {"sku": sku}
    with pytest.raises(InvalidInput, match="unknown filter 'raw'"):
        parse_journey(hook(provider.url("/x"), headers={"X": "{{ event.properties.a | raw }}"}))
    with pytest.raises(InvalidInput, match="unexpected tag 'echo'"):
        parse_journey(hook(provider.url("/x/{% echo event.properties.a %}")))


def own_workspace(engine: Engine, clock: ManualClock, settings: WebhookSettings) -> str:
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "test", clock)
        save_settings(connection, workspace_id, "webhook", settings, clock.now())
    return workspace_id


def test_a_standard_webhooks_receiver_verifies_each_attempt_under_one_id(
    own_database: str, provider: Provider
) -> None:
    engine = connect(own_database)
    # The receiver's library holds timestamps to its wall clock: the first attempt is made
    # ten minutes ago, the retry now.
    clock = ManualClock(SystemClock().now() - timedelta(minutes=10))
    workspace_id = own_workspace(engine, clock, WebhookSettings(allow=["127.0.0.1"]))
    with engine.connect() as connection:
        secret = load_settings(connection, workspace_id)["webhook"].secret
    provider.failures = 1
    body = {"sku": "{{ event.properties.sku }}"}
    journey = publish(engine, clock, workspace_id, hook(provider.url("/flaky"), body=body))
    deliver(engine, clock, workspace_id, track("gus", "Go", clock.now(), {"sku": "A1"}))
    clock.advance(timedelta(minutes=10))
    run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("delivered", 2)
    first, retry = provider.called("/flaky")
    assert first.headers["webhook-id"] == retry.headers["webhook-id"] == message["idempotency_key"]
    receiver = Webhook(secret)  # the generated secret, whsec_ and base64, as the spec has it
    assert receiver.verify(retry.body, retry.headers) == {"sku": "A1"}
    # The first attempt was signed at its own time, now past the receiver's tolerance ...
    with pytest.raises(WebhookVerificationError, match="too old"):
        receiver.verify(first.body, first.headers)
    # ... and given a later timestamp, its signature no longer holds.
    replayed = {**first.headers, "webhook-timestamp": retry.headers["webhook-timestamp"]}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        receiver.verify(first.body, replayed)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        receiver.verify(retry.body.replace(b"A1", b"A2"), retry.headers)
    engine.dispose()


def test_a_secret_chosen_before_is_the_whsec_secret_of_its_bytes(
    own_database: str, provider: Provider
) -> None:
    engine = connect(own_database)
    clock = ManualClock(SystemClock().now())
    settings = WebhookSettings(secret=SECRET, allow=["127.0.0.1"])
    workspace_id = own_workspace(engine, clock, settings)
    publish(engine, clock, workspace_id, hook(provider.url("/ok"), body={"n": 1}))
    deliver(engine, clock, workspace_id, track("hal", "Go", clock.now()))
    (call,) = provider.called("/ok")
    # As docs/channels.md tells receivers: whsec_ and the base64 of the secret's bytes.
    whsec = "whsec_" + base64.b64encode(SECRET.encode()).decode()
    assert Webhook(whsec).verify(call.body, call.headers) == {"n": 1}
    assert Webhook(SECRET.encode()).verify(call.body, call.headers) == {"n": 1}
    engine.dispose()


def test_a_whsec_secret_is_base64_of_24_to_64_bytes() -> None:
    assert WebhookSettings().secret.startswith("whsec_")
    short = "whsec_" + base64.b64encode(b"sixteen byte key").decode()
    with pytest.raises(InvalidInput, match="24 to 64 bytes, not 16"):
        parse_settings("webhook", {"secret": short})
    with pytest.raises(InvalidInput, match="base64 after its prefix"):
        parse_settings("webhook", {"secret": "whsec_not*base64*at*all*"})


def test_a_call_reads_what_a_decide_node_chose(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: Provider
) -> None:
    configure(engine, clock, workspace.id, allow=["127.0.0.1"])
    body = {"offer": "{{ journey.decisions.price.offer }}",
            "level": "{{ journey.decisions.price.level }}"}  # fmt: skip
    levels = [{"key": "full", "level": 0, "value": 40}, {"key": "ten", "level": 10, "value": 36},
              {"key": "forty", "level": 40, "value": 24}]  # fmt: skip
    definition = {
        **hook(provider.url("/ok"), body=body),
        "goal": {"event": "Order Completed"},
        "start": "price",
    }
    definition["nodes"]["price"] = {"type": "decide", "levels": levels, "max_level": 20,
                                    "next": "call"}  # fmt: skip
    publish(engine, clock, workspace.id, definition)
    users = [f"priced-{n}" for n in range(6)]
    deliver(engine, clock, workspace.id, *(track(u, "Go", clock.now()) for u in users))
    sent = [orjson.loads(call.body) for call in provider.called("/ok")]
    assert len(sent) == len(users)
    assert {(s["offer"], s["level"]) for s in sent} <= {("full", "0.0"), ("ten", "10.0")}
