"""Incremental evaluation: the profiles due now, one batch at a time.

A profile is due when identity changed it (new events, traits, a merge) or when one of
its time windows passes. The evaluation replays the instants it owes in order, so a
profile whose "no purchase in 30 days" came due yesterday enters at that instant, and
an enter then exit between two runs is recorded as both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, bindparam, or_, select, update
from sqlalchemy.engine import Dialect

from baton.core.clock import Clock
from baton.segments.definitions import PREDICTED_KEY
from baton.segments.evaluate import Catalog, EventFact, ProfileEvaluation, ProfileFacts
from baton.segments.memberships import Transition, forget, memberships_of, record
from baton.segments.store import Stored, load_catalog
from baton.storage.database import (
    among,
    any_row,
    executemany_fast,
    write_transaction,
)
from baton.storage.leases import Leases, partitioned
from baton.storage.tables import events, profile_due, profiles
from baton.timeline import Due, claim_due, settle

SEGMENTS_LOCK = "segments"
DEFAULT_BATCH_SIZE = 500
# Instants replayed for one profile in one evaluation; the rest wait for the next run.
_MAX_STEPS = 1000


@dataclass
class Outcome:
    """What evaluating one profile decided."""

    due: Due
    transitions: list[Transition] = field(default_factory=list)
    computed: dict[str, Any] | None = None  # None: unchanged
    next_at: datetime | None = None
    gone: bool = False


def evaluate_due(
    engine: Engine,
    clock: Clock,
    batch_size: int = DEFAULT_BATCH_SIZE,
    leases: Leases | None = None,
) -> int:
    """Evaluate up to `batch_size` profiles that are due; returns how many.

    With `leases` (PostgreSQL, any number of workers): only profiles of the slots this
    worker leases. Without: every profile, one caller at a time (see `partitioned`)."""
    now = clock.now()
    at = profile_due.c.due_at
    if not any_row(engine, select(at).where(at <= now).order_by(at)):
        return 0
    with partitioned(engine, SEGMENTS_LOCK, leases):
        if leases is not None:
            # The batch's one transaction keeps its slots' leases share-locked from the
            # claim to the commit (`Leases.held`).
            with write_transaction(engine) as connection:
                claimed = claim_due(connection, now, batch_size, leases.held(connection))
                _write_all(connection, _evaluate_all(connection, claimed, now), now)
            return len(claimed)
        with engine.connect() as reader:
            claimed = claim_due(reader, now, batch_size)
            outcomes = _evaluate_all(reader, claimed, now)
        if claimed:
            with write_transaction(engine) as writer:
                _write_all(writer, outcomes, now)
    return len(claimed)


def _evaluate_all(
    connection: Connection, claimed: list[Due], now: datetime
) -> dict[str, list[Outcome]]:
    by_workspace: dict[str, list[Due]] = defaultdict(list)
    for due in claimed:
        by_workspace[due.workspace_id].append(due)
    return {
        workspace_id: _evaluate_workspace(connection, workspace_id, dues, now)
        for workspace_id, dues in by_workspace.items()
    }


def _write_all(connection: Connection, outcomes: dict[str, list[Outcome]], now: datetime) -> None:
    for workspace_id, results in outcomes.items():
        _write(connection, workspace_id, results, now)


def _evaluate_workspace(
    connection: Connection, workspace_id: str, dues: list[Due], now: datetime
) -> list[Outcome]:
    catalog, segments = load_catalog(connection, workspace_id)
    profile_ids = [due.profile_id for due in dues]
    earliest = min([now, *(due.due_at for due in dues)])
    facts, stored_computed = load_facts(connection, workspace_id, profile_ids, catalog, earliest)
    current = memberships_of(connection, workspace_id, profile_ids)
    outcomes = []
    for due in dues:
        if due.profile_id not in facts:
            outcomes.append(Outcome(due, gone=True))
            continue
        outcome = evaluate_profile(
            catalog, segments, facts[due.profile_id], current[due.profile_id], due, now
        )
        if same_values(outcome.computed, stored_computed.get(due.profile_id)):
            outcome.computed = None
        outcomes.append(outcome)
    return outcomes


def evaluate_profile(
    catalog: Catalog,
    segments: dict[str, Stored],
    facts: ProfileFacts,
    member_of: set[str],
    due: Due,
    now: datetime,
) -> Outcome:
    """Replay the profile from the instant it came due up to now."""
    outcome = Outcome(due)
    at = min(due.due_at, now)
    members = set(member_of)
    by_id = {s.id: s for s in segments.values()}
    for _ in range(_MAX_STEPS):
        evaluation = ProfileEvaluation(catalog, facts, at)
        computed = {key: evaluation.computed(key) for key in catalog.computed}
        inside = {key for key in catalog.segments if evaluation.segment(key)}
        now_members = {segments[key].id for key in inside}
        for segment_id in sorted(now_members - members):
            outcome.transitions.append(Transition(by_id[segment_id], facts.profile_id, True, at))
        for segment_id in sorted(members - now_members):
            if segment_id in by_id:  # a deleted segment's rows went with it
                outcome.transitions.append(
                    Transition(by_id[segment_id], facts.profile_id, False, at)
                )
        members = now_members
        outcome.next_at = evaluation.next_change()
        if outcome.next_at is None or outcome.next_at > now:
            break
        at = outcome.next_at
    outcome.computed = {key: value for key, value in computed.items() if value is not None}
    if facts.predicted:
        outcome.computed[PREDICTED_KEY] = facts.predicted
    return outcome


def events_read(oldest: dict[str, datetime | None], dialect: Dialect) -> list[Any]:
    """Conditions selecting the events `Catalog.oldest_events_needed` names (any of them)."""
    whole = sorted(name for name, since in oldest.items() if since is None)
    reads = [among(events.c.event, whole, dialect)] if whole else []
    reads.extend(
        and_(events.c.event == name, events.c.timestamp >= since)
        for name, since in sorted(oldest.items())
        if since is not None
    )
    return reads


def load_facts(
    connection: Connection,
    workspace_id: str,
    profile_ids: Sequence[str],
    catalog: Catalog,
    earliest: datetime,
) -> tuple[dict[str, ProfileFacts], dict[str, Any]]:
    """Live profiles' facts for evaluations at `earliest` or later (merged-away profiles
    are absent), and their stored computed values."""
    facts: dict[str, ProfileFacts] = {}
    stored: dict[str, Any] = {}
    rows = connection.execute(
        select(
            profiles.c.id,
            profiles.c.traits,
            profiles.c.first_seen,
            profiles.c.last_seen,
            profiles.c.computed,
        ).where(
            profiles.c.workspace_id == workspace_id,
            profiles.c.merged_into.is_(None),
            among(profiles.c.id, profile_ids, connection.dialect),
        )
    )
    for profile_id, traits, first_seen, last_seen, computed in rows:
        stored[profile_id] = computed or {}
        predicted = stored[profile_id].get(PREDICTED_KEY) or {}
        facts[profile_id] = ProfileFacts(
            profile_id, traits or {}, first_seen, last_seen, [], predicted
        )
    oldest = catalog.oldest_events_needed(earliest)
    if facts and oldest:
        found: dict[str, list[EventFact]] = defaultdict(list)
        reads = events_read(oldest, connection.dialect)
        rows = connection.execute(
            select(
                events.c.profile_id,
                events.c.event,
                events.c.timestamp,
                events.c.seq,
                events.c.properties,
            )
            .where(
                events.c.workspace_id == workspace_id,
                among(events.c.profile_id, sorted(facts), connection.dialect),
                or_(*reads),
            )
            .order_by(events.c.timestamp, events.c.seq)
        )
        for profile_id, event, timestamp, seq, properties in rows:
            found[profile_id].append(EventFact(event, timestamp, seq, properties or {}))
        for profile_id, event_facts in found.items():
            facts[profile_id].events = event_facts
    return facts, stored


def same_values(left: Any, right: Any) -> bool:
    """Whether two stored documents are the same JSON: `true` is not `1`, though Python's
    `==` says `True == 1` (and a change from one to the other went unwritten)."""
    return orjson.dumps(left, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        right, option=orjson.OPT_SORT_KEYS
    )


_SET_COMPUTED = (
    update(profiles).where(profiles.c.id == bindparam("b_id")).values(computed=bindparam("b_c"))
)


def store_computed(connection: Connection, values: dict[str, dict[str, Any]]) -> None:
    """Replace the computed values of each profile."""
    executemany_fast(
        connection, _SET_COMPUTED, [{"b_id": p, "b_c": c} for p, c in sorted(values.items())]
    )


def _write(
    connection: Connection, workspace_id: str, results: list[Outcome], now: datetime
) -> None:
    forget(connection, workspace_id, [r.due.profile_id for r in results if r.gone])
    record(connection, workspace_id, [t for r in results for t in r.transitions], now)
    store_computed(
        connection,
        {r.due.profile_id: r.computed for r in results if r.computed is not None and not r.gone},
    )
    settle(connection, [(r.due, None if r.gone else r.next_at) for r in results])
