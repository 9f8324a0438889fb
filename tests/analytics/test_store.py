"""The analytics store follows the database: never skipping an event still pending,
resolving merged profiles, rebuilt the same from scratch, applying retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, update

from baton.analytics.store import RESOLVED_EVENTS, AnalyticsStore
from baton.channels.policy import parse_policy, save_policy
from baton.core.clock import ManualClock
from baton.identity.erasure import erase_profile
from baton.ingest import parse_message, store_messages
from baton.storage.database import write_transaction
from baton.storage.tables import profiles
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
    assert store.lag_seconds(engine) == 0.0

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
    store.close()


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
    store.close()
