"""Erasure and export on both databases: after an erasure and a compaction, the person's
e-mail address, phone and user id appear nowhere in the database files' bytes, while
everyone else's data is untouched; a suppressed person's new events are dropped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select, text

from baton.channels.settings import WebhookSettings, save_settings
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.identity.erasure import compact_erased
from baton.runtime import Runtime
from baton.storage.database import connect, sqlalchemy_url, write_transaction
from baton.storage.tables import events, message_attempts, messages
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.api.test_profiles import bearer
from tests.channels.test_email import CART, use_smtp
from tests.conftest import START, Workspace, serve_in_thread
from tests.files import file_bytes
from tests.identity.helpers import profile, send
from tests.journeys.helpers import deliver, messages_of, publish, run, wait_for
from tests.segments.helpers import identify, track
from tests.servers import HttpServer, Mailbox, Request

EMAIL, PHONE, USER = "Zed.Person@Example.com", "+1 415 555 0199", "zed-7731"
# Every form in which Baton could have stored them.
TRACES = [EMAIL.encode(), b"zed.person@example.com", PHONE.encode(), b"+14155550199",
          USER.encode(), b"anon-zed-1"]  # fmt: skip


@pytest.fixture
def setup(
    own_database: str, tmp_path: Path
) -> Iterator[tuple[Engine, ManualClock, Workspace, httpx.Client, Runtime]]:
    clock = ManualClock(START)
    analytics = str(tmp_path / "analytics.duckdb")
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "erasure", clock)
        write_key = create_key(connection, workspace_id, KeyKind.WRITE, clock.now())
        admin_token = create_key(connection, workspace_id, KeyKind.ADMIN, clock.now())
    runtime = Runtime.create(
        Settings(database_url=own_database, analytics_path=analytics),
        clock=clock,
        run_processor=False,
    )
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield engine, clock, Workspace(workspace_id, write_key, admin_token), client, runtime
    engine.dispose()


def store_bytes(runtime: Runtime) -> bytes:
    """The analytics store's file, synced and checkpointed."""
    assert runtime.analytics is not None
    runtime.analytics.sync(runtime.engine, runtime.clock.now())
    runtime.analytics.rows("CHECKPOINT", [])
    path = Path(runtime.analytics.path)
    wal = path.with_name(path.name + ".wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def database_bytes(engine: Engine) -> bytes:
    """The database files as they are on disk: the SQLite file and its write-ahead log;
    every PostgreSQL table, TOAST table and index of the database after a checkpoint."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return file_bytes(path) + file_bytes(path.with_name(path.name + "-wal"))
    admin = create_engine(sqlalchemy_url(str(engine.url.render_as_string(hide_password=False))))
    with admin.connect() as connection:
        connection.execute(text("CHECKPOINT"))
        paths = connection.execute(
            text(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') "
                "AND pg_relation_filepath(c.oid) IS NOT NULL"
            )
        ).scalars()
        found = b"".join(
            connection.execute(
                text("SELECT pg_read_binary_file(:path, 0, 100000000, true)"), {"path": p}
            ).scalar_one()
            or b""
            for p in paths
        )
    admin.dispose()
    return found


def test_an_erased_customer_leaves_no_trace(
    setup: tuple[Engine, ManualClock, Workspace, httpx.Client, Runtime],
    smtp: tuple[Mailbox, int],
) -> None:
    engine, clock, workspace, client, runtime = setup
    mailbox, port = smtp
    with write_transaction(engine) as connection:
        use_smtp(connection, workspace.id, port, str(client.base_url), clock.now())
        template = {
            "key": "cart-reminder",
            "channel": "email",
            "subject": "Hi {{ profile.traits.email }}",
            "html": "<p>{{ event.properties.name }} for {{ profile.traits.phone }}</p>",
        }
        save_template(connection, workspace.id, parse_template(template), clock.now())
    journey = publish(engine, clock, workspace.id, CART)
    # Zed signs up on the web, browses anonymously on a phone, then logs in there: the
    # phone's anonymous profile merges into Zed's. Amy is another customer.
    send(engine, clock, workspace.id,
         identify(USER, clock.now(), email=EMAIL, phone=PHONE, firstName="Zed"))  # fmt: skip
    send(engine, clock, workspace.id,
         {"type": "track", "anonymousId": "anon-zed-1", "event": "Page Viewed",
          "timestamp": clock.now().isoformat(), "context": {"ip": "198.51.100.7"}})  # fmt: skip
    send(engine, clock, workspace.id,
         {"type": "identify", "anonymousId": "anon-zed-1", "userId": USER,
          "traits": {"email": EMAIL}, "timestamp": clock.now().isoformat()})  # fmt: skip
    deliver(engine, clock, workspace.id, identify("amy-1", clock.now(), email="amy@example.com"))
    clock.advance(timedelta(seconds=1))
    deliver(engine, clock, workspace.id,
            track(USER, "Product Added", clock.now(), {"name": "Lamp", "contact": EMAIL}),
            track("amy-1", "Product Added", clock.now(), {"name": "Rug"}))  # fmt: skip
    clock.advance(timedelta(hours=1))
    run(engine, clock)
    assert {to for (to,), _ in mailbox.received} == {"amy@example.com", EMAIL}
    zed = profile(engine, workspace.id, USER)["id"]
    admin = bearer(workspace.admin_token)
    client.put(f"/api/v1/profiles/{zed}/consent/newsletter",
               json={"subscribed": True, "evidence": {"email": EMAIL}}, headers=admin)  # fmt: skip

    exported = client.get(f"/api/v1/profiles/{zed}/export", headers=admin)
    assert exported.status_code == 200, exported.text
    held = exported.json()
    assert held["profile"]["traits"]["email"] == EMAIL
    assert [e["event"] for e in held["events"] if e["type"] == "track"] == [
        "Page Viewed", "Product Added", "Message Sent"]  # fmt: skip
    assert [m["status"] for m in held["messages"]] == ["delivered"]
    assert held["messages"][0]["attempts"][0]["outcome"] == "delivered"
    assert held["journeys"][0]["journey"] == "cart"
    assert held["consent"]["groups"]["newsletter"]["subscribed"] is True

    before = database_bytes(engine)
    assert [trace for trace in TRACES if trace not in before] == []  # the scan sees them
    assert EMAIL.encode() in store_bytes(runtime)  # the analytics copy holds them too

    erased = client.delete(f"/api/v1/profiles/{zed}?suppress=true", headers=admin)
    assert erased.status_code == 200, erased.text
    receipt = erased.json()
    assert zed in receipt["profile_ids"]
    assert len(receipt["profile_ids"]) == 2  # the anonymous profile merged into Zed's
    assert (receipt["deleted"]["events"], receipt["deleted"]["messages"]) == (5, 1)
    assert (receipt["suppressed"], receipt["compacted_at"]) == (True, None)
    assert compact_erased(engine, clock.now()) == 1
    again = client.get(f"/api/v1/erasures/{receipt['erasure_id']}", headers=admin).json()
    assert again["compacted_at"] is not None
    assert again["deleted"] == receipt["deleted"]

    after = database_bytes(engine)
    assert [trace for trace in TRACES if trace in after] == []
    assert [trace for trace in TRACES if trace in store_bytes(runtime)] == []
    assert b"amy@example.com" in after  # nobody else's data went
    assert client.get(f"/api/v1/profiles/{zed}", headers=admin).status_code == 404
    assert client.get(f"/api/v1/profiles/{zed}/export", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/profiles/{zed}", headers=admin).status_code == 404
    (amy_message,) = [m for m in messages_of(engine, journey)]
    assert amy_message["status"] == "delivered"

    # Suppressed: Zed's identifiers, in any spelling, are dropped on arrival; others pass.
    deliver(engine, clock, workspace.id,
            identify("someone-new", clock.now(), email=EMAIL.upper()),
            track(USER, "Product Viewed", clock.now()),
            identify("bob-2", clock.now(), email="bob@example.com"))  # fmt: skip
    erasure = client.get(f"/api/v1/erasures/{receipt['erasure_id']}", headers=admin).json()
    assert erasure["compacted_at"] is None  # the dropped events must leave no copy either
    assert compact_erased(engine, clock.now()) == 1
    assert [trace for trace in TRACES if trace in database_bytes(engine)] == []
    assert profile(engine, workspace.id, "bob-2")["traits"]["email"] == "bob@example.com"
    assert (
        client.get("/api/v1/profiles/lookup?user_id=someone-new", headers=admin).status_code == 404
    )


def test_erasure_without_suppression_lets_the_person_come_back(
    setup: tuple[Engine, ManualClock, Workspace, httpx.Client, Runtime],
) -> None:
    engine, clock, workspace, client, _ = setup
    deliver(engine, clock, workspace.id, identify("cy", clock.now(), email="cy@example.com"))
    cy = profile(engine, workspace.id, "cy")["id"]
    admin = bearer(workspace.admin_token)
    receipt = client.delete(f"/api/v1/profiles/{cy}", headers=admin).json()
    assert receipt["suppressed"] is False
    deliver(engine, clock, workspace.id, identify("cy", clock.now(), email="cy@example.com"))
    assert profile(engine, workspace.id, "cy")["id"] != cy
    missing = client.get("/api/v1/erasures/era_nope", headers=admin)
    assert missing.status_code == 404


def test_a_send_under_way_when_its_person_is_erased_leaves_nothing_behind(
    setup: tuple[Engine, ManualClock, Workspace, httpx.Client, Runtime],
) -> None:
    """The provider answers only after the erasure: its result is dropped, so no attempt,
    status or timeline event brings back what the erasure removed."""
    engine, clock, workspace, client, _ = setup
    answer_now = threading.Event()

    def slow(request: Request) -> tuple[int, dict[str, str], bytes]:
        answer_now.wait(10)
        return 200, {"Content-Type": "application/json"}, b'{"ok": true}'

    with HttpServer(slow) as provider:
        with write_transaction(engine) as connection:
            settings = WebhookSettings(allow=["127.0.0.1"], timeout="20s")
            save_settings(connection, workspace.id, "webhook", settings, clock.now())
        hook = {"type": "webhook", "url": f"{provider.url}/hook?to={{{{ profile.traits.email }}}}"}
        journey = publish(engine, clock, workspace.id, {
            "key": "hook", "name": "hook", "trigger": {"event": "Go"}, "start": "call",
            "nodes": {"call": hook},
        })  # fmt: skip
        send(engine, clock, workspace.id, identify(USER, clock.now(), email=EMAIL),
             track(USER, "Go", clock.now()))  # fmt: skip
        running = threading.Thread(target=run, args=(engine, clock))
        running.start()
        wait_for(lambda: provider.requests, "the call to be under way")
        (message,) = messages_of(engine, journey)
        zed = profile(engine, workspace.id, USER)["id"]
        erased = client.delete(f"/api/v1/profiles/{zed}", headers=bearer(workspace.admin_token))
        assert erased.status_code == 200, erased.text
        answer_now.set()
        running.join(timeout=30)
        assert not running.is_alive()
    with engine.connect() as connection:
        left = connection.execute(
            select(message_attempts.c.detail).where(message_attempts.c.message_id == message["id"])
        ).all()
        assert left == []
        assert (
            connection.execute(select(messages.c.id).where(messages.c.id == message["id"])).all()
            == []
        )
        assert (
            connection.execute(select(events.c.event).where(events.c.profile_id == zed)).all() == []
        )
