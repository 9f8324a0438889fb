"""Parallel stages: three workers per stage end exactly where one does, and the slots of a
worker killed with SIGKILL are taken over.

Random people send random messages; some of their identifiers are shared between messages
(an anonymous visitor who later signs in, an e-mail given twice), so profiles merge. The
same messages go through one worker per stage and through three concurrent workers per
stage (real pipelines in threads, each on its own engine), and the profiles, merges,
memberships, journey instances and messages must come out the same, compared with every
random id replaced by the ids of the profile's messages.

Identity runs the messages in rounds, each pair of people who may merge sending at most one
message a round, so that the order within a round (which three identity workers do not
keep) changes nothing; the journey inbox fills meanwhile, merges move its rows to the
survivors' slots, and segments and journeys then run side by side over all of it.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, select

from baton.core.clock import ManualClock
from baton.identity import process_pending
from baton.ingest import parse_message, store_messages
from baton.pipeline import Pipeline, Stage
from baton.segments.evaluator import evaluate_due
from baton.segments.store import Kind, save_definition
from baton.storage.database import connect, write_transaction
from baton.storage.leases import SLOTS, Leases, slot_of
from baton.storage.tables import (
    definitions,
    events,
    journey_inbox,
    journey_instances,
    journeys,
    merges,
    messages,
    profile_due,
    profiles,
    segment_memberships,
    stage_leases,
    stage_workers,
)
from baton.timeline import mark_due
from baton.workspaces import create_workspace
from tests.conftest import START, _postgresql_database, _url_of
from tests.journeys.helpers import publish

# SQLite has one writer: its stages run one batch at a time, without leases.
leases_only = pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
PEOPLE = 16
ROUNDS = 12
SEGMENTS = [
    {
        "key": "shoppers",
        "name": "Shoppers",
        "condition": {"event": "Product Added", "count": {"at_least": 2}},
    },
    {"key": "reachable", "name": "Reachable", "condition": {"has": "email"}},
]
JOURNEYS = [
    {
        "key": "cart",
        "name": "Cart",
        "trigger": {"event": "Product Added"},
        "start": "wait",
        "nodes": {
            "wait": {
                "type": "wait_for_event",
                "event": "Order Completed",
                "timeout": "1h",
                "next": "thanks",
                "timeout_next": "remind",
            },
            "thanks": {"type": "message", "channel": "email", "template": "thanks", "next": "end"},
            "remind": {"type": "message", "channel": "email", "template": "cart", "next": "end"},
            "end": {"type": "exit"},
        },
    },
    {
        "key": "welcome",
        "name": "Welcome",
        "trigger": {"segment_entered": "shoppers"},
        "reentry": "never",
        "start": "hello",
        "nodes": {
            "hello": {"type": "message", "channel": "email", "template": "hello", "next": "later"},
            "later": {"type": "delay", "duration": "1d", "next": "end"},
            "end": {"type": "exit"},
        },
    },
    {
        "key": "signup",
        "name": "Signup",
        "trigger": {"event": "Signed Up"},
        "start": "hi",
        "nodes": {
            "hi": {"type": "message", "channel": "email", "template": "hi", "next": "end"},
            "end": {"type": "exit"},
        },
    },
]
EVENTS = ["Product Added", "Product Added", "Order Completed", "Signed Up", "Page Viewed"]


def rounds_of(seed: int) -> list[list[dict[str, Any]]]:
    """Rounds of raw messages. People live in pairs that now and then give the same
    e-mail address, which merges the two; each pair sends at most one message a round,
    under an anonymous id, a user id or both (which links them)."""
    rng = random.Random(seed)
    at = START.isoformat()
    found: list[list[dict[str, Any]]] = []
    count = 0
    for _ in range(ROUNDS):
        batch = []
        for pair in rng.sample(range(PEOPLE // 2), rng.randint(PEOPLE // 4, PEOPLE // 2)):
            person = 2 * pair + rng.randint(0, 1)
            count += 1
            who: dict[str, Any] = {}
            if rng.random() < 0.6:
                who["anonymousId"] = f"anon-{person}"
            if not who or rng.random() < 0.5:
                who["userId"] = f"user-{person}"
            message: dict[str, Any] = {"messageId": f"m{count:04d}", "timestamp": at, **who}
            if rng.random() < 0.3:
                email = f"pair{pair}@example.com" if rng.random() < 0.8 else f"{person}@x.com"
                message |= {"type": "identify", "traits": {"email": email, "n": count}}
            else:
                event = rng.choice(EVENTS)
                message |= {"type": "track", "event": event, "properties": {"n": count}}
            batch.append(message)
        found.append(batch)
    return found


# --- running the pipeline --------------------------------------------------------------


def _wait(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.02)


def _count(engine: Engine, query: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _drained(engine: Engine, clock: ManualClock) -> bool:
    unresolved = select(func.count()).where(events.c.profile_id.is_(None))
    due = select(func.count()).where(profile_due.c.due_at <= clock.now())
    inbox = select(func.count()).select_from(journey_inbox)
    return sum(_count(engine, q) for q in (unresolved, due, inbox)) == 0


class Workers:
    """`count` pipelines per stage, each on an engine of its own (a worker process's)."""

    def __init__(self, url: str, clock: ManualClock, stages: list[Stage], count: int) -> None:
        self.engine = connect(url)
        self.ids = [f"worker-{n}" for n in range(count)]
        self.partitioned = [s for s in stages if s in (Stage.SEGMENTS, Stage.JOURNEYS)]
        if self.engine.dialect.name == "postgresql":
            # The shares settled before the work starts, or the first worker would lease
            # every slot and do everything before the others join.
            for stage in self.partitioned:
                leases = [Leases(self.engine, stage, clock, worker_id) for worker_id in self.ids]
                for each in leases + leases:
                    each.renew()
        self.pipelines = [
            Pipeline(
                connect(url),
                clock,
                random.Random(n),
                "US",
                stages=[stage],
                idle_wait=0.05,
                worker_id=self.ids[n],
            )
            for stage in stages
            for n in range(count)
        ]
        for pipeline in self.pipelines:
            pipeline.start()

    def shares(self) -> dict[str, list[int]]:
        """How many slots each worker of each partitioned stage holds, most first."""
        found: dict[str, list[int]] = {}
        with self.engine.connect() as connection:
            for stage, _, count in connection.execute(
                select(stage_leases.c.stage, stage_leases.c.worker_id, func.count())
                .where(stage_leases.c.worker_id.is_not(None))
                .group_by(stage_leases.c.stage, stage_leases.c.worker_id)
            ):
                found.setdefault(stage, []).append(count)
        return {stage: sorted(counts, reverse=True) for stage, counts in found.items()}

    def stop(self) -> None:
        for pipeline in self.pipelines:
            pipeline.stop()
        self.engine.dispose()


def run(url: str, seed: int, workers: int) -> dict[str, Any]:
    """The messages of `seed` through `workers` workers per stage; the canonical outcome."""
    clock = ManualClock(START)
    engine = connect(url)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "parallel", clock)
        for body in SEGMENTS:
            save_definition(connection, workspace_id, Kind.SEGMENT.parse(body), clock.now())
    for definition in JOURNEYS:
        publish(engine, clock, workspace_id, definition)
    identity = Workers(url, clock, [Stage.IDENTITY], workers)
    try:
        for batch in rounds_of(seed):
            parsed = [
                parse_message(m, received_at=clock.now(), ip=None, size=len(orjson.dumps(m)))
                for m in batch
            ]
            store_messages(engine, workspace_id, parsed)
            _wait(lambda: _drained_identity(engine), "identity")
    finally:
        identity.stop()
    assert _count(engine, select(func.count()).select_from(journey_inbox)) > 0
    later = Workers(url, clock, [Stage.SEGMENTS, Stage.JOURNEYS], workers)
    try:
        _wait(lambda: _drained(engine, clock), "segments and journeys")
        if engine.dialect.name == "postgresql":
            # Every worker held its share all along: none did the others' work.
            share = [SLOTS // workers + (n < SLOTS % workers) for n in range(workers)]
            assert later.shares() == {"segments": share, "journeys": share}
    finally:
        later.stop()
    assert later.shares() == {}  # a stop gives the leases back
    try:
        return canonical(engine, workspace_id)
    finally:
        engine.dispose()


def _drained_identity(engine: Engine) -> bool:
    return _count(engine, select(func.count()).where(events.c.profile_id.is_(None))) == 0


# --- the canonical outcome -------------------------------------------------------------


def canonical(engine: Engine, workspace_id: str) -> dict[str, Any]:
    """The outcome with each profile named by its messages' ids (which the test chose)."""
    with engine.connect() as connection:
        names: dict[str, list[str]] = {}
        for message_id, profile_id in connection.execute(
            select(events.c.message_id, events.c.profile_id).where(
                events.c.workspace_id == workspace_id, events.c.message_id.like("m%")
            )
        ):
            names.setdefault(profile_id, []).append(message_id)
        survivor: dict[str, str] = {}
        live: dict[str, Any] = {}
        for row in connection.execute(
            select(profiles).where(profiles.c.workspace_id == workspace_id)
        ).mappings():
            survivor[row["id"]] = row["merged_into"] or row["id"]
            if row["merged_into"] is None:
                live[row["id"]] = row
        # A chain of merges ends at a live profile.
        while any(survivor[s] != s for s in survivor.values()):
            survivor = {p: survivor[s] for p, s in survivor.items()}

        def name(profile_id: str) -> str:
            return " ".join(sorted(names[survivor[profile_id]]))

        people = {
            name(p): {
                "traits": row["traits"],
                "computed": row["computed"],
                "events": sorted(
                    connection.execute(
                        select(events.c.message_id, events.c.event).where(
                            events.c.workspace_id == workspace_id,
                            events.c.profile_id == p,
                            events.c.message_id.like("m%"),
                        )
                    ).all()
                ),
            }
            for p, row in live.items()
        }
        merged = Counter(
            name(merged_id)
            for (merged_id,) in connection.execute(
                select(merges.c.merged_id).where(merges.c.workspace_id == workspace_id)
            )
        )
        segment_key = {
            i: k
            for i, k in connection.execute(
                select(definitions.c.id, definitions.c.key).where(
                    definitions.c.workspace_id == workspace_id
                )
            )
        }
        memberships = sorted(
            (segment_key[s], name(p))
            for s, p in connection.execute(
                select(segment_memberships.c.segment_id, segment_memberships.c.profile_id).where(
                    segment_memberships.c.workspace_id == workspace_id
                )
            )
        )
        journey_key = dict(
            connection.execute(
                select(journeys.c.id, journeys.c.key).where(journeys.c.workspace_id == workspace_id)
            ).all()
        )
        instances = sorted(
            (journey_key[j], name(p), node, outcome or "", ended is not None)
            for j, p, node, outcome, ended in connection.execute(
                select(
                    journey_instances.c.journey_id,
                    journey_instances.c.profile_id,
                    journey_instances.c.node,
                    journey_instances.c.outcome,
                    journey_instances.c.ended_at,
                ).where(journey_instances.c.workspace_id == workspace_id)
            )
        )
        sent = sorted(
            (journey_key[j], name(p), template, status)
            for j, p, template, status in connection.execute(
                select(
                    messages.c.journey_id,
                    messages.c.profile_id,
                    messages.c.template,
                    messages.c.status,
                ).where(messages.c.workspace_id == workspace_id)
            )
        )
    return {
        "profiles": people,
        "merges": merged,
        "memberships": memberships,
        "instances": instances,
        "messages": sent,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_databases(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: dict[str, str]
) -> Iterator[Callable[[], str]]:
    """Makes a fresh migrated database for each run: the workers of one run must not
    meet another's leases or queues."""
    with ExitStack() as stack:

        def make() -> str:
            if request.param == "sqlite":
                copy = tmp_path / f"run-{secrets.token_hex(4)}.db"
                shutil.copyfile(migrated_templates["sqlite"], copy)
                return f"sqlite:///{copy}"
            template = migrated_templates["postgresql"]
            return _url_of(stack.enter_context(_postgresql_database("baton_scale", template)))

        yield make


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 5, 6])
def test_three_workers_per_stage_end_where_one_does(
    fresh_databases: Callable[[], str], seed: int
) -> None:
    alone = run(fresh_databases(), seed, workers=1)
    assert alone["merges"], "the messages merged no profiles"
    assert alone["memberships"]
    assert alone["instances"]
    assert alone["messages"]
    assert {outcome for _, _, node, outcome, _ in alone["instances"]} >= {"", "completed"}
    side_by_side = run(fresh_databases(), seed, workers=3)
    for part in alone:
        assert side_by_side[part] == alone[part], part


def test_inbox_rows_follow_a_merge_to_the_survivors_slot(own_database: str) -> None:
    """Events waiting in the journey inbox take the survivor's slot when their profile is
    merged, so one worker sees all of the person's events in order."""
    engine = connect(own_database)
    clock = ManualClock(START)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "merges", clock)
    publish(engine, clock, workspace_id, JOURNEYS[0])
    # Two people until the identify names both.
    pairs = [
        {"type": "track", "anonymousId": "anon", "event": "Product Added"},
        {"type": "track", "userId": "known", "event": "Page Viewed"},
    ]
    for index, raw in enumerate(pairs):
        raw |= {"messageId": f"x{index}", "timestamp": START.isoformat()}
        store_messages(engine, workspace_id, [_parse(raw, clock)])
        _identity_until_idle(engine, clock)
    with engine.connect() as connection:
        owners = dict(
            connection.execute(
                select(events.c.message_id, events.c.profile_id).where(
                    events.c.workspace_id == workspace_id
                )
            ).all()
        )
    anonymous, known = owners["x0"], owners["x1"]
    assert anonymous != known
    link = {"type": "identify", "anonymousId": "anon", "userId": "known", "messageId": "x2"}
    store_messages(engine, workspace_id, [_parse(link | {"timestamp": START.isoformat()}, clock)])
    _identity_until_idle(engine, clock)
    with engine.connect() as connection:
        survivor = connection.execute(
            select(profiles.c.id).where(
                profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
            )
        ).scalar_one()
        slots = set(connection.execute(select(journey_inbox.c.slot)).scalars())
    assert survivor in {anonymous, known}
    assert slots == {slot_of(survivor)}
    engine.dispose()


def _parse(raw: dict[str, Any], clock: ManualClock) -> Any:
    return parse_message(raw, received_at=clock.now(), ip=None, size=len(orjson.dumps(raw)))


def _identity_until_idle(engine: Engine, clock: ManualClock) -> None:
    while process_pending(engine, clock, "US"):
        pass


@leases_only
def test_leases_rebalance_when_a_worker_joins_and_leaves(own_database: str) -> None:
    engine = connect(own_database)
    clock = ManualClock(START)
    stage = f"rebalance-{random.getrandbits(32)}"
    first, second, third = (Leases(engine, stage, clock, f"w{n}") for n in range(3))
    assert len(_renew(first)) == SLOTS
    assert _renew(second) == []  # nothing is free until the first gives up its extras
    assert len(_renew(first)) == SLOTS // 2
    assert len(_renew(second)) == SLOTS // 2
    _renew(third)
    shares = [len(_renew(leases)) for leases in (first, second, third, first, second, third)]
    assert shares[3:] == [22, 21, 21]
    held = [set(_renew(first)), set(_renew(second)), set(_renew(third))]
    assert set.union(*held) == set(range(SLOTS))
    assert sum(map(len, held)) == SLOTS
    third.release()
    assert _leased(engine, third) == []
    assert len(_renew(first)) == SLOTS // 2
    assert len(_renew(second)) == SLOTS // 2
    engine.dispose()


def _renew(leases: Leases) -> list[int]:
    """`leases.renew()`, which must return the slots its rows hold afterwards."""
    held = leases.renew()
    assert held == _leased(leases.engine, leases)
    return held


def _leased(engine: Engine, leases: Leases) -> list[int]:
    """The slots whose lease rows name `leases`' worker."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(stage_leases.c.slot)
                .where(
                    stage_leases.c.stage == leases.stage,
                    stage_leases.c.worker_id == leases.worker_id,
                )
                .order_by(stage_leases.c.slot)
            ).scalars()
        )


@leases_only
def test_a_killed_workers_slots_are_taken_over_after_its_lease(own_database: str) -> None:
    """A real `baton worker --stage segments` takes every slot; SIGKILL leaves them leased
    until the lease runs out on the clock, and then another worker takes them and
    evaluates their profiles."""
    engine = connect(own_database)
    clock = ManualClock(START)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "takeover", clock)
    worker = _segments_worker(engine, own_database, workspace_id)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    with engine.connect() as connection:
        expires = connection.execute(select(func.max(stage_leases.c.expires_at))).scalar_one()
    with write_transaction(engine) as connection:
        mark_due(connection, workspace_id, [(f"p{n}", START) for n in range(200)])
    clock = ManualClock(expires - timedelta(seconds=1))
    heir = Leases(engine, "segments", clock, "heir")
    assert _renew(heir) == []  # the dead worker's leases still run
    assert evaluate_due(engine, clock, leases=heir) == 0
    clock.advance(timedelta(seconds=2))
    assert len(_renew(heir)) == SLOTS
    while evaluate_due(engine, clock, leases=heir):
        pass
    assert _count(engine, select(func.count()).select_from(profile_due)) == 0
    engine.dispose()


@leases_only
def test_a_stopped_worker_gives_its_slots_back_at_once(own_database: str) -> None:
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "stop", ManualClock(START))
    worker = _segments_worker(engine, own_database, workspace_id)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert _count(engine, _HELD) == 0
    assert _count(engine, select(func.count()).select_from(stage_workers)) == 0
    engine.dispose()


_HELD = select(func.count()).where(stage_leases.c.worker_id.is_not(None))


def _segments_worker(engine: Engine, url: str, workspace_id: str) -> subprocess.Popen[bytes]:
    """A real `baton worker --stage segments`, once it holds every slot (it leases them
    when it has work: a profile due)."""
    with write_transaction(engine) as connection:
        mark_due(connection, workspace_id, [("waking", START)])
    worker = subprocess.Popen(
        [sys.executable, "-m", "baton", "worker", "--stage", "segments"],
        env={**os.environ, "BATON_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _count(engine, _HELD) == SLOTS, "the worker to lease every slot")
    except BaseException:
        worker.kill()
        raise
    return worker


@leases_only
def test_stale_batches_claim_nothing(own_database: str) -> None:
    """A worker whose lease ran out (it stalled) finds no slots until it renews."""
    engine = connect(own_database)
    clock = ManualClock(START)
    leases = Leases(engine, f"stale-{random.getrandbits(32)}", clock, "slow")
    assert len(_renew(leases)) == SLOTS
    clock.advance(timedelta(minutes=1))
    with engine.connect() as connection:
        assert leases.held(connection) == []
    engine.dispose()
