"""Optimized splits: how new entries are shared among the arms, from the results so far.

Every minute, for each published journey with an optimized split whose arms all have
`min_profiles` profiles: each arm's conversions (profiles that reached the goal) give
its posterior probability of being best (Beta-binomial). `thompson` shares new entries
in proportion to those probabilities (Thompson sampling); `winner` sends them all to an
arm once its probability reaches the threshold. Each change is a row of
`split_allocations` with its evidence: the allocation history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from baton.core.statistics import probability_to_be_best
from baton.journeys.definitions import SplitNode
from baton.journeys.store import live_journeys
from baton.storage.database import write_transaction
from baton.storage.tables import journey_instances, split_allocations, workspaces

_CHANGE = 0.01  # a smaller change of any weight is not worth a row


def allocations_of(connection: Connection, journey_id: str) -> dict[str, dict[str, float]]:
    """The weights in force per optimized split node of the journey."""
    rows = connection.execute(
        select(split_allocations.c.node, split_allocations.c.weights)
        .where(split_allocations.c.journey_id == journey_id)
        .order_by(split_allocations.c.seq)
    )
    return {node: dict(weights) for node, weights in rows}


def allocation_history(connection: Connection, journey_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(split_allocations)
        .where(split_allocations.c.journey_id == journey_id)
        .order_by(split_allocations.c.seq)
    ).mappings()
    return [
        {
            "node": r["node"],
            "at": r["at"].isoformat(),
            "weights": r["weights"],
            "evidence": r["evidence"],
            "reason": r["reason"],
        }
        for r in rows
    ]


def optimize_splits(engine: Engine, now: datetime) -> int:
    """Reallocate every optimized split whose results call for it; returns how many."""
    changed = 0
    with engine.connect() as connection:
        ids = list(connection.execute(select(workspaces.c.id)).scalars())
        work = [
            (journey.journey.id, node_id, node)
            for workspace_id in ids
            for journey in live_journeys(connection, workspace_id)
            for node_id, node in journey.definition.nodes.items()
            if isinstance(node, SplitNode) and node.optimize is not None
        ]
    for journey_id, node_id, node in work:
        with write_transaction(engine) as connection:
            changed += _reallocate(connection, journey_id, node_id, node, now)
    return changed


def _reallocate(
    connection: Connection, journey_id: str, node_id: str, node: SplitNode, now: datetime
) -> int:
    assert node.optimize is not None
    profiles: dict[str, set[str]] = defaultdict(set)
    converted: dict[str, set[str]] = defaultdict(set)
    rows = connection.execute(
        select(
            journey_instances.c.profile_id, journey_instances.c.state, journey_instances.c.goal_at
        ).where(journey_instances.c.journey_id == journey_id)
    )
    for profile_id, state, goal_at in rows:
        arm = ((state or {}).get("arms") or {}).get(node_id)
        if arm is not None:
            profiles[arm].add(profile_id)
            if goal_at is not None:
                converted[arm].add(profile_id)
    names = [arm.name for arm in node.arms]
    counts = [(len(converted[name]), len(profiles[name])) for name in names]
    if min(n for _, n in counts) < node.optimize.min_profiles:
        return 0
    best = probability_to_be_best(counts, seed=len(names) + sum(n for _, n in counts))
    if node.optimize.method == "winner":
        leader = max(range(len(names)), key=lambda i: best[i])
        if best[leader] < node.optimize.probability:
            return 0
        weights = {name: 1.0 if i == leader else 0.0 for i, name in enumerate(names)}
    else:
        weights = {name: round(p, 4) for name, p in zip(names, best, strict=True)}
    current = allocations_of(connection, journey_id).get(node_id)
    if current is not None and all(
        abs(current.get(k, 0) - v) < _CHANGE for k, v in weights.items()
    ):
        return 0
    evidence = {
        name: {"profiles": n, "conversions": s, "probability_to_be_best": round(p, 4)}
        for name, (s, n), p in zip(names, counts, best, strict=True)
    }
    connection.execute(
        insert(split_allocations).values(
            journey_id=journey_id,
            node=node_id,
            at=now,
            weights=weights,
            evidence=evidence,
            reason=node.optimize.method,
        )
    )
    return 1
