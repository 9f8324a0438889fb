"""The analytics store follows the database: never skipping an event still pending,
resolving merged profiles, rebuilt the same from scratch, applying retention."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select, update

from baton.analytics.store import RESOLVED_EVENTS, AnalyticsStore, _literal, lag_seconds
from baton.core.clock import ManualClock
from baton.identity.erasure import erase_profile
from baton.ingest import parse_message, store_messages
from baton.ingest.store import prepare_messages
from baton.storage.database import connect, execute_prepared, write_transaction
from baton.storage.tables import events, profiles
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from tests.conftest import Workspace, process_all
from tests.identity.helpers import profile
from tests.segments.helpers import identify, track


def stored(engine: Engine, clock: ManualClock, workspace_id: str, *raw: dict[str, Any]) -> None:
    """Accepted, not yet resolved."""
    found = [parse_message(m, received_at=clock.now(), ip=None, size=len(orjson.dumps(m)))
             for m in raw]  # fmt: skip
    store_messages(engine, workspace_id, found)


def profiles_of(store: AnalyticsStore, workspace_id: str) -> dict[str, int]:
    rows = store.rows(
        f"SELECT profile_id, count(*) FROM ({RESOLVED_EVENTS}) WHERE workspace_id = ? "
        "GROUP BY profile_id",
        [workspace_id],
    )
    return {profile_id: count for profile_id, count in rows}


def test_the_store_follows_resolution_merges_and_retention(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    store = AnalyticsStore(str(tmp_path / "a.duckdb"))
    now = clock.now()
    stored(engine, clock, workspace.id, identify("u1", now, email="u1@example.com"),
           track("u1", "Page Viewed", now))  # fmt: skip
    store.sync(engine, now)
    assert profiles_of(store, workspace.id) == {}  # nothing resolved yet: nothing copied
    process_all(engine, clock)
    # An anonymous visitor, then the same person logging in: two profiles merge.
    stored(engine, clock, workspace.id,
           {"type": "track", "anonymousId": "a-9", "event": "Product Viewed",
            "timestamp": now.isoformat()})  # fmt: skip
    process_all(engine, clock)
    assert store.sync(engine, now) == 3
    assert len(profiles_of(store, workspace.id)) == 2
    login = {"type": "identify", "anonymousId": "a-9", "userId": "u1"}
    stored(engine, clock, workspace.id, {**login, "timestamp": now.isoformat()})
    process_all(engine, clock)
    store.sync(engine, now)
    u1 = profile(engine, workspace.id, "u1")["id"]
    assert profiles_of(store, workspace.id) == {u1: 4}  # every event under the survivor
    assert lag_seconds(engine, store.synced_through()) == 0.0

    rebuilt = AnalyticsStore(str(tmp_path / "b.duckdb"))
    seen: list[tuple[int, int]] = []
    rebuilt.rebuild(engine, now, lambda done, total: seen.append((done, total)))
    assert profiles_of(rebuilt, workspace.id) == {u1: 4}
    assert seen
    assert seen[-1][0] == seen[-1][1]

    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy({"event_retention": "30d"}))
    store.sync(engine, now + timedelta(days=31))
    assert profiles_of(store, workspace.id) == {}


def test_lag_counts_what_the_store_could_copy_and_has_not(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    store = AnalyticsStore(str(tmp_path / "a.duckdb"))
    stored(engine, clock, workspace.id, track("u1", "Page Viewed", clock.now()))
    process_all(engine, clock)
    store.sync(engine, clock.now())
    assert lag_seconds(engine, store.synced_through()) == 0.0
    clock.advance(timedelta(seconds=30))
    stored(engine, clock, workspace.id, track("u1", "Page Viewed", clock.now()))
    process_all(engine, clock)
    assert lag_seconds(engine, store.synced_through()) == 30.0
    # Arrived later but still pending: no sync could copy it yet.
    clock.advance(timedelta(seconds=60))
    stored(engine, clock, workspace.id, track("u2", "Page Viewed", clock.now()))
    assert lag_seconds(engine, store.synced_through()) == 30.0
    process_all(engine, clock)
    assert lag_seconds(engine, store.synced_through()) == 90.0
    store.sync(engine, clock.now())
    assert lag_seconds(engine, store.synced_through()) == 0.0
    # An event resolved past one still pending (as a second identity worker leaves them):
    # the store cannot copy it before the pending one, and does not count as behind.
    clock.advance(timedelta(seconds=10))
    stored(engine, clock, workspace.id, track("u3", "Page Viewed", clock.now()))
    clock.advance(timedelta(seconds=20))
    with write_transaction(engine) as connection:
        connection.execute(
            insert(events).values(
                workspace_id=workspace.id, message_id="resolved-early", type="track",
                event="Page Viewed", user_id="u1", timestamp=clock.now(),
                received_at=clock.now(), context={},
                profile_id=profile(engine, workspace.id, "u1")["id"],
            )
        )  # fmt: skip
    assert lag_seconds(engine, store.synced_through()) == 0.0
    process_all(engine, clock)
    assert lag_seconds(engine, store.synced_through()) == 30.0


@pytest.fixture
def postgresql_workspace(own_database: str, clock: ManualClock) -> Iterator[tuple[Engine, str]]:
    """A workspace in a PostgreSQL database of its own: on SQLite a second writer waits
    for the first, so `seq` follows commits there."""
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "test", clock)
    yield engine, workspace_id
    engine.dispose()


def events_in(store: AnalyticsStore, workspace_id: str) -> list[str]:
    found = store.rows("SELECT event FROM events WHERE workspace_id = ?", [workspace_id])
    return sorted(row[0] for row in found)


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_an_event_committed_below_a_copied_one_is_copied(
    postgresql_workspace: tuple[Engine, str], clock: ManualClock, tmp_path: Path
) -> None:
    """Two API processes store at once, and the batch given the lower `seq` commits
    second."""
    engine, workspace_id = postgresql_workspace
    store = AnalyticsStore(str(tmp_path / "a.duckdb"))
    late = track("u1", "Late", clock.now())
    first = [parse_message(late, received_at=clock.now(), ip=None, size=len(orjson.dumps(late)))]
    with engine.connect() as slow, engine.connect() as reading:
        slow.begin()
        execute_prepared(slow, prepare_messages(engine.dialect, workspace_id, first))
        stored(engine, clock, workspace_id, track("u2", "Early", clock.now()))
        process_all(engine, clock)
        # A transaction that only read the events cannot be storing one.
        reading.execute(select(events.c.seq).limit(1)).all()
        store.sync(engine, clock.now())
        assert events_in(store, workspace_id) == []  # "Early" waits for "Late"'s writer
        slow.commit()
        process_all(engine, clock)
        store.sync(engine, clock.now())
    assert events_in(store, workspace_id) == ["Early", "Late"]


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_a_rebuild_waits_for_the_writers_open_when_it_starts(
    postgresql_workspace: tuple[Engine, str], clock: ManualClock, tmp_path: Path
) -> None:
    engine, workspace_id = postgresql_workspace
    stored(engine, clock, workspace_id, track("u1", "Early", clock.now()))
    process_all(engine, clock)
    store = AnalyticsStore(str(tmp_path / "a.duckdb"))
    with engine.connect() as writing:  # Baton's own record of something, resolved at once
        writing.execute(
            insert(events).values(
                workspace_id=workspace_id, message_id="record-1", type="track", event="Later",
                user_id="u1", timestamp=clock.now(), received_at=clock.now(), context={},
                profile_id=profile(engine, workspace_id, "u1")["id"],
            )
        )  # fmt: skip
        committing = threading.Timer(0.3, writing.commit)
        committing.start()
        copied = store.rebuild(engine, clock.now(), lambda done, total: None)
        committing.join()
    # "Later" too, unless its commit came between the look at `seq` and at the writers:
    # then the next sync copies it.
    assert copied >= 1
    assert events_in(store, workspace_id)[0] == "Early"
    store.sync(engine, clock.now())
    assert events_in(store, workspace_id) == ["Early", "Later"]


def test_each_erasure_reaches_the_store_once_and_in_turn(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    store = AnalyticsStore(str(tmp_path / "e.duckdb"))
    now = clock.now()
    stored(engine, clock, workspace.id,
           *(track(u, "Page Viewed", now) for u in ("e1", "e2", "e3")))  # fmt: skip
    process_all(engine, clock)
    store.sync(engine, clock.now())
    ids = {u: profile(engine, workspace.id, u)["id"] for u in ("e1", "e2", "e3")}
    assert set(profiles_of(store, workspace.id)) == set(ids.values())
    for user, left in (("e1", {"e2", "e3"}), ("e2", {"e3"})):
        clock.advance(timedelta(minutes=5))
        with write_transaction(engine) as connection:
            erase_profile(connection, workspace.id, ids[user], suppress=False, now=clock.now(),
                          default_region="US")  # fmt: skip
        store.sync(engine, clock.now())
        assert set(profiles_of(store, workspace.id)) == {ids[u] for u in left}


def test_a_profile_change_committed_late_still_reaches_the_store(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    store = AnalyticsStore(str(tmp_path / "l.duckdb"))
    now = clock.now()
    stored(engine, clock, workspace.id, identify("early", now, plan="free"),
           identify("late", now, plan="free"))  # fmt: skip
    process_all(engine, clock)
    store.sync(engine, clock.now())
    late = profile(engine, workspace.id, "late")["id"]
    # A transaction that stamped its change two seconds before the newest copied row,
    # and committed only after that sync.
    with write_transaction(engine) as connection:
        connection.execute(
            update(profiles)
            .where(profiles.c.id == late)
            .values(traits={"plan": "pro"}, updated_at=clock.now() - timedelta(seconds=2))
        )
    store.sync(engine, clock.now())
    (plan,) = store.rows("SELECT traits->>'plan' FROM profiles WHERE id = ?", [late])[0]
    assert plan == "pro"


def test_merge_chains_reach_the_last_survivor_whatever_sync_sees_them(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    store = AnalyticsStore(str(tmp_path / "m.duckdb"))
    users = [f"m{n}" for n in range(1, 7)]
    stored(engine, clock, workspace.id, *(track(u, "Page Viewed", clock.now()) for u in users))
    process_all(engine, clock)
    store.sync(engine, clock.now())
    p = {n: profile(engine, workspace.id, u)["id"] for n, u in enumerate(users, start=1)}

    def merge(*pairs: tuple[int, int]) -> None:
        """Profile a merged into profile b, each a second after the last."""
        with write_transaction(engine) as connection:
            for a, b in pairs:
                clock.advance(timedelta(seconds=1))
                connection.execute(
                    update(profiles)
                    .where(profiles.c.id == p[a])
                    .values(merged_into=p[b], updated_at=clock.now())
                )
        store.sync(engine, clock.now())

    merge((1, 2), (2, 3), (3, 4))  # a chain read in one sync
    assert profiles_of(store, workspace.id) == {p[4]: 4, p[5]: 1, p[6]: 1}
    merge((5, 3))  # naming a survivor merged in an earlier sync
    assert profiles_of(store, workspace.id) == {p[4]: 5, p[6]: 1}
    merge((4, 6))  # every profile that had it as its root follows
    assert profiles_of(store, workspace.id) == {p[6]: 6}
    live = store.rows("SELECT id FROM profiles WHERE workspace_id = ?", [workspace.id])
    assert live == [(p[6],)]


def test_a_profile_changed_at_the_same_instant_is_copied_again(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    # The overlap reads the same rows again; only the unchanged ones may be skipped, and
    # on a clock standing still a change keeps its `updated_at`.
    store = AnalyticsStore(str(tmp_path / "s.duckdb"))
    stored(engine, clock, workspace.id, identify("still", clock.now(), plan="free"))
    process_all(engine, clock)
    store.sync(engine, clock.now())
    still = profile(engine, workspace.id, "still")["id"]
    with write_transaction(engine) as connection:
        connection.execute(
            update(profiles).where(profiles.c.id == still).values(traits={"plan": "pro"})
        )
    store.sync(engine, clock.now())
    (plan,) = store.rows("SELECT traits->>'plan' FROM profiles WHERE id = ?", [still])[0]
    assert plan == "pro"


def test_events_are_copied_with_their_instants_and_properties(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    store = AnalyticsStore(str(tmp_path / "a.duckdb"))
    happened = clock.now() - timedelta(hours=3, microseconds=123_457)
    properties = {"total": 12.5, "products": [{"sku": "é-1"}], "note": 'say "hi"'}
    stored(engine, clock, workspace.id,
           {"type": "track", "userId": "u1", "event": "Order Completed",
            "timestamp": happened.isoformat(), "properties": properties},
           {"type": "page", "userId": "u1", "timestamp": happened.isoformat()})  # fmt: skip
    process_all(engine, clock)
    store.sync(engine, clock.now())
    rows = store.rows(
        "SELECT event, ts, received_at, properties FROM events WHERE workspace_id = ? ORDER BY seq",
        [workspace.id],
    )
    assert [(event, ts, received) for event, ts, received, _ in rows] == [
        ("Order Completed", happened, clock.now()),
        (None, happened, clock.now()),
    ]
    assert [orjson.loads(found) for *_, found in rows] == [properties, {}]


@given(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
    | st.integers(-(2**63), 2**63 - 1)
    | st.datetimes(timezones=st.just(UTC))
)
def test_a_literal_reads_back_as_the_value_it_was_made_of(value: str | int | datetime) -> None:
    with duckdb.connect(":memory:") as connection:
        assert connection.execute(f"SELECT {_literal(value)}").fetchone() == (value,)


def test_syncing_loads_neither_pandas_nor_numpy(
    engine: Engine, clock: ManualClock, workspace: Workspace, tmp_path: Path
) -> None:
    """The analytics worker lives for weeks: 55 MB it loads once, it holds for good."""
    now = clock.now()
    stored(engine, clock, workspace.id, identify("u1", now, email="u1@example.com"))
    process_all(engine, clock)
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy({"event_retention": "30d"}))
    script = (
        "import sys; from datetime import datetime\n"
        "from baton.analytics.store import AnalyticsStore\n"
        "from baton.storage.database import connect\n"
        "store = AnalyticsStore(sys.argv[2])\n"
        "assert store.sync(connect(sys.argv[1]), datetime.fromisoformat(sys.argv[3]))\n"
        "print(sorted({'pandas', 'numpy'} & set(sys.modules)))\n"
    )
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", script, url, str(tmp_path / "a.duckdb"), now.isoformat()],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
