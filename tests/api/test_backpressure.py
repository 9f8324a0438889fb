"""Backpressure and ingest limits, on both databases through a real server: past the
bound of unresolved events or unsent messages the tracking API answers 503 with
Retry-After (without reading the body) while the admin API goes on; past a workspace's
events per second it answers 429 with Retry-After, and other workspaces go on."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import insert, select, update

from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.runtime import Runtime
from baton.storage.database import connect, write_transaction
from baton.storage.tables import audit_log, messages
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.conftest import START, process_all, serve_in_thread
from tests.sources.helpers import create, new_key
from tests.sources.test_generic import MAPPING, order


@dataclass
class Served:
    client: httpx.Client
    runtime: Runtime
    clock: ManualClock
    workspace_id: str
    write_key: str
    admin_key: str


@contextmanager
def served(
    database_url: str,
    max_backlog: int = 1_000_000,
    max_outbox: int = 1_000_000,
    ingest_per_second: int = 50_000,
) -> Iterator[Served]:
    clock = ManualClock(START)
    engine = connect(database_url)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "limited", clock)
        admin = create_key(connection, workspace_id, KeyKind.ADMIN, clock.now())
        write = create_key(connection, workspace_id, KeyKind.WRITE, clock.now())
    engine.dispose()
    settings = Settings(
        database_url=database_url,
        analytics_path="off",
        max_backlog=max_backlog,
        max_outbox=max_outbox,
        ingest_per_second=ingest_per_second,
    )
    runtime = Runtime.create(settings, clock=clock, run_processor=False)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield Served(client, runtime, clock, workspace_id, write, admin)


def _batch(count: int, user: str = "u1") -> dict[str, list[dict[str, str]]]:
    return {"batch": [{"type": "track", "userId": user, "event": "E"} for _ in range(count)]}


def _reading_shows(s: Served, busy: bool) -> None:
    """The backlog is read in the background: knock (a `group` call without its groupId,
    which stores nothing) until the new reading is in and the answers show it."""
    key = basic(s.write_key)
    for _ in range(200):
        if (s.client.post("/v1/group", json={}, headers=key).status_code == 503) == busy:
            return
        time.sleep(0.01)
    raise AssertionError(f"the backlog reading never showed busy={busy}")


def _refused_busy(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["code"] == "overloaded"


def test_a_backlog_past_its_bound_turns_tracking_away_until_it_is_resolved(
    own_database: str,
) -> None:
    with served(own_database, max_backlog=5) as s:
        key = basic(s.write_key)
        assert s.client.post("/v1/batch", json=_batch(6), headers=key).status_code == 200
        # Within half a second the last reading (nothing waiting) still holds.
        assert s.client.post("/v1/track", json=_batch(1)["batch"][0], headers=key).is_success
        s.clock.advance(timedelta(seconds=1))
        _reading_shows(s, busy=True)
        _refused_busy(s.client.post("/v1/batch", json=_batch(1), headers=key))
        # The body is never read: not even a malformed or unauthenticated one.
        _refused_busy(s.client.post("/v1/t", content=b"{not json", headers=key))
        _refused_busy(s.client.post("/v1/identify", content=b"x"))
        # The admin API is served all along.
        assert s.client.get("/api/v1/workspace", headers=bearer(s.admin_key)).status_code == 200
        process_all(s.runtime.engine, s.clock)
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 503
        s.clock.advance(timedelta(seconds=1))
        _reading_shows(s, busy=False)
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 200


def test_an_outbox_past_its_bound_turns_tracking_away(own_database: str) -> None:
    with served(own_database, max_outbox=3) as s:
        key = basic(s.write_key)
        now = s.clock.now()
        rows = [
            {"id": f"m{n}", "workspace_id": s.workspace_id, "profile_id": "p", "channel": "email",
             "status": "pending", "idempotency_key": f"k{n}", "created_at": now,
             "due_at": now - timedelta(seconds=n)}
            for n in range(4)
        ]  # fmt: skip
        # A message due tomorrow is not behind: it does not count.
        later = {**rows[0], "id": "m9", "idempotency_key": "k9", "due_at": now + timedelta(days=1)}
        with write_transaction(s.runtime.engine) as connection:
            connection.execute(insert(messages), [*rows[:3], later])
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 200
        with write_transaction(s.runtime.engine) as connection:
            connection.execute(insert(messages), rows[3:])
        s.clock.advance(timedelta(seconds=1))
        _reading_shows(s, busy=True)
        refused = s.client.post("/v1/batch", json=_batch(1), headers=key)
        _refused_busy(refused)
        assert "messages wait to be sent" in refused.json()["message"]
        with write_transaction(s.runtime.engine) as connection:
            connection.execute(
                update(messages).where(messages.c.id == "m0").values(status="delivered")
            )
        s.clock.advance(timedelta(seconds=1))
        _reading_shows(s, busy=False)
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 200


def test_a_workspace_past_its_events_per_second_waits_and_others_go_on(
    own_database: str,
) -> None:
    with served(own_database, ingest_per_second=1000) as s:
        key, admin = basic(s.write_key), bearer(s.admin_key)
        changed = s.client.patch("/api/v1/workspace", json={"ingest_per_second": 10}, headers=admin)
        assert changed.status_code == 200
        assert changed.json()["ingest_per_second"] == 10
        assert s.client.post("/v1/batch", json=_batch(30), headers=key).status_code == 200
        # 20 events in debt at 10 a second: the bucket holds some again after 3 s.
        refused = s.client.post("/v1/batch", json=_batch(1), headers=key)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "3"
        assert refused.json()["code"] == "rate_limited"
        # The key in the body is limited the same.
        in_body = {**_batch(1), "writeKey": s.write_key}
        assert s.client.post("/v1/batch", json=in_body).status_code == 429
        # Another workspace has the installation's default.
        with write_transaction(s.runtime.engine) as connection:
            other = create_workspace(connection, "other", s.clock)
            other_key = create_key(connection, other, KeyKind.WRITE, s.clock.now())
        other_batch = s.client.post("/v1/batch", json=_batch(500), headers=basic(other_key))
        assert other_batch.status_code == 200
        s.clock.advance(timedelta(seconds=2))
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 429
        s.clock.advance(timedelta(seconds=1, milliseconds=100))
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 200
        # Back to the default, recorded in the audit trail like every setting.
        back = s.client.patch("/api/v1/workspace", json={"ingest_per_second": None}, headers=admin)
        assert back.json()["ingest_per_second"] is None
        with s.runtime.engine.connect() as connection:
            trail = connection.execute(
                select(audit_log.c.changes)
                .where(audit_log.c.workspace_id == s.workspace_id)
                .where(audit_log.c.action == "workspace.settings")
                .order_by(audit_log.c.id)
            ).scalars()
            changes = [[(c["before"], c["after"]) for c in row] for row in trail]
        assert changes == [[(None, 10)], [(10, None)]]
        invalid = s.client.patch("/api/v1/workspace", json={"ingest_per_second": 0}, headers=admin)
        assert invalid.status_code == 400


def test_source_webhooks_are_held_back_rate_limited_and_counted(own_database: str) -> None:
    with served(own_database, max_backlog=1, ingest_per_second=2) as s:
        secret = "a-shared-secret-of-some-length"
        key = new_key("generic")
        verification = {"scheme": "hmac_sha256", "header": "X-Signature", "prefix": ""}
        create(s.client, s.admin_key, key, preset="generic", secret=secret,
               mapping={**MAPPING, "verification": verification})  # fmt: skip
        url = f"/v1/sources/{key}/webhook"

        def post(body: bytes, signed: bool = True) -> httpx.Response:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            signature = digest if signed else "0" * len(digest)
            return s.client.post(url, content=body, headers={"X-Signature": signature})

        ingested = _sample("baton_ingest_messages_total", route="webhook")
        busy, limited = _refused("overloaded"), _refused("rate_limited")
        forged = _refused("unauthorized")
        # Distinct bodies, distinct events (a body's digest is its message id).
        assert post(order()).json()["accepted"] == 1
        assert post(order() + b" ").json()["accepted"] == 1
        answer = post(order() + b"  ")
        assert answer.status_code == 429, answer.text
        assert answer.headers["retry-after"] == "1"
        s.clock.advance(timedelta(seconds=1))
        _reading_shows(s, busy=True)
        # Two events wait: past the bound, refused before the body (even a forged one).
        _refused_busy(post(order() + b"  "))
        _refused_busy(post(order() + b"  ", signed=False))
        process_all(s.runtime.engine, s.clock)
        s.clock.advance(timedelta(seconds=1))
        _reading_shows(s, busy=False)
        assert post(order() + b"  ").json()["accepted"] == 1
        assert post(order() + b"   ", signed=False).status_code == 401
        assert _sample("baton_ingest_messages_total", route="webhook") - ingested == 3
        assert _refused("overloaded") - busy == 2
        assert _refused("rate_limited") - limited == 1
        assert _refused("unauthorized") - forged == 1


def _refused(reason: str) -> float:
    return _sample("baton_ingest_rejected_total", route="webhook", reason=reason)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0
