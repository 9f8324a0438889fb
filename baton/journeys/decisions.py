"""Decide nodes in the engine: the bandit each node learns from its past decisions, the
offers' caps, the `decisions` rows with their rewards, and the offline report.

Rewards: when an instance reaches the journey goal, each of its decisions made within the
node's `window` before gets the offer's value, later ones 0. A decision whose window has
passed without the goal gets 0 when the node is next fitted (or, without writing, in the
report). The goal counts only while the instance is in the journey, as goals always do.

Fitting is kept cheap: each process keeps a node's fitted bandit and fits it again from
the `HISTORY` most recent rewarded decisions after `REFIT_EVERY` decisions or
`REFIT_AFTER` on the clock, whichever comes first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text, update

from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.journeys.definitions import DecideNode, JourneyDefinition, Offer, PriceLevel
from baton.journeys.interpreter import Decided
from baton.journeys.store import Journey
from baton.predict.bandit import Arm, Choice, Logged, Policy, evaluate, seeded
from baton.segments import parse_instant
from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import decisions, profiles
from baton.workspaces import Fairness, load_policy

REFIT_EVERY = 50
REFIT_AFTER = timedelta(minutes=5)
HISTORY = 5000
_NODE_LOCK = text("SELECT pg_advisory_xact_lock(7413, hashtext(:key))")


@dataclass
class _Fitted:
    policy: Policy
    at: datetime
    made: int = 0
    # Choosing reseeds the bandit's generator: one decision at a time per fitted node.
    lock: threading.Lock = field(default_factory=threading.Lock)


_fitted: dict[tuple[Any, ...], _Fitted] = {}
_MOST_FITTED = 256
_fitted_lock = threading.Lock()


def arms_of(node: DecideNode, offers: Sequence[Offer] | None = None) -> list[Arm]:
    return [Arm(arm.key, arm.value, arm.cost) for arm in (node.arms if offers is None else offers)]


class Decider:
    """The interpreter's `Decider` for one journey within one transaction; with
    `settling` off (a reader, such as a web placement) it never writes."""

    def __init__(
        self, connection: Connection, journey_id: str, now: datetime, *, settling: bool = True
    ) -> None:
        self.connection = connection
        self.journey_id = journey_id
        self.now = now
        self.settling = settling
        self._given: dict[tuple[str, str], int] = {}
        self._locked: set[str] = set()

    def decide(
        self,
        node_id: str,
        node: DecideNode,
        eligible: Sequence[Offer],
        context: dict[str, Any],
        seed: int,
    ) -> Choice | None:
        available = [arm for arm in eligible if not self._capped(node_id, arm)]
        if not available:
            return None
        fitted = self._fitted(node_id, node)
        with fitted.lock:
            choice = fitted.policy.choose(
                arms_of(node, available), context, node.holdout, seeded(seed)
            )
            fitted.made += 1
        if (node_id, choice.arm) in self._given:
            self._given[(node_id, choice.arm)] += 1
        return choice

    def _capped(self, node_id: str, arm: Offer) -> bool:
        if arm.cap is None:
            return False
        key = (node_id, arm.key)
        if key not in self._given:
            if self.connection.dialect.name == "postgresql" and node_id not in self._locked:
                # Workers side by side: one transaction at a time counts and gives.
                self.connection.execute(_NODE_LOCK, {"key": f"{self.journey_id}:{node_id}"})
                self._locked.add(node_id)
            self._given[key] = given(self.connection, self.journey_id, node_id, arm, self.now)
        return self._given[key] >= arm.cap.count

    def _fitted(self, node_id: str, node: DecideNode) -> _Fitted:
        key = (self.journey_id, node_id, tuple(a.key for a in node.arms), tuple(node.context))
        with _fitted_lock:
            found = _fitted.get(key)
        if (
            found is not None
            and found.made < REFIT_EVERY
            and self.now - found.at < REFIT_AFTER
            and self.now >= found.at
        ):
            return found
        if self.settling:
            settle(self.connection, self.journey_id, node_id, node, self.now)
        logged = history(self.connection, self.journey_id, node_id, node, self.now)
        fresh = _Fitted(Policy([a.key for a in node.arms], node.context, logged), self.now)
        with _fitted_lock:
            _fitted.pop(key, None)  # to the end: the order is of the newest fits
            _fitted[key] = fresh
            # Edited nodes leave their old fits behind: keep the newest fits only.
            while len(_fitted) > _MOST_FITTED:
                del _fitted[next(iter(_fitted))]
        return fresh


def given(connection: Connection, journey_id: str, node_id: str, arm: Offer, now: datetime) -> int:
    """How many decisions gave the offer within its cap's period (ever, without one)."""
    query = select(func.count()).where(
        decisions.c.journey_id == journey_id,
        decisions.c.node == node_id,
        decisions.c.arm == arm.key,
    )
    if arm.cap is not None and arm.cap.span is not None:
        query = query.where(decisions.c.decided_at > now - arm.cap.span)
    return int(connection.execute(query).scalar_one())


def settle(
    connection: Connection, journey_id: str, node_id: str, node: DecideNode, now: datetime
) -> int:
    """Reward 0 to the node's decisions whose window passed without the goal."""
    result = connection.execute(
        update(decisions)
        .where(
            decisions.c.journey_id == journey_id,
            decisions.c.node == node_id,
            decisions.c.reward.is_(None),
            decisions.c.decided_at <= now - node.span,
        )
        .values(reward=0.0, rewarded_at=now)
    )
    return result.rowcount


def history(
    connection: Connection, journey_id: str, node_id: str, node: DecideNode, now: datetime
) -> list[Logged]:
    """The node's most recent decisions whose outcome is known (or, their window passed,
    is 0), newest first."""
    rows = connection.execute(
        select(
            decisions.c.arm,
            decisions.c.context,
            decisions.c.reward,
            decisions.c.propensity,
            decisions.c.holdout,
        )
        .where(
            decisions.c.journey_id == journey_id,
            decisions.c.node == node_id,
            decisions.c.reward.is_not(None) | (decisions.c.decided_at <= now - node.span),
        )
        .order_by(decisions.c.decided_at.desc(), decisions.c.id.desc())
        .limit(HISTORY)
    )
    return [
        Logged(arm, context or {}, reward or 0.0, propensity, holdout)
        for arm, context, reward, propensity, holdout in rows
    ]


def decision_row(
    workspace_id: str,
    journey_id: str,
    instance_id: str,
    profile_id: str,
    goal_at: datetime | None,
    decided: Decided,
    now: datetime,
) -> dict[str, Any]:
    """The `decisions` row of a choice; one made after the goal was reached earns 0."""
    done = goal_at is not None and goal_at < now
    return {
        "id": new_id("dec", now),
        "workspace_id": workspace_id,
        "journey_id": journey_id,
        "node": decided.node,
        "instance_id": instance_id,
        "profile_id": profile_id,
        "arm": decided.arm,
        "propensity": decided.propensity,
        "holdout": decided.holdout,
        "reason": decided.reason,
        "context": decided.context,
        "decided_at": now,
        "reward": 0.0 if done else None,
        "rewarded_at": now if done else None,
    }


def insert_decisions(connection: Connection, rows: list[dict[str, Any]]) -> None:
    # A decision is made once per instance and node; a batch redone after a crash
    # makes the same one again.
    executemany_fast(connection, insert_ignoring_duplicates(connection, decisions), rows)


@dataclass(frozen=True)
class Reached:
    """An instance that reached the goal, with its decisions (`State.decisions`)."""

    instance_id: str
    goal_at: datetime
    given: dict[str, dict[str, Any]]
    definition: JourneyDefinition


_REWARD = (
    update(decisions)
    .where(
        decisions.c.instance_id == bindparam("b_instance"),
        decisions.c.node == bindparam("b_node"),
        decisions.c.reward.is_(None),
    )
    .values(reward=bindparam("b_reward"), rewarded_at=bindparam("b_at"))
)


def reward_goals(connection: Connection, reached: list[Reached]) -> None:
    """The offer's value to each decision made within its window before the goal."""
    rows = []
    for instance in reached:
        for node_id, given in instance.given.items():
            node = instance.definition.nodes.get(node_id)
            decided_at = parse_instant(given.get("at"))
            if not isinstance(node, DecideNode) or decided_at is None:
                continue
            within = decided_at <= instance.goal_at <= decided_at + node.span
            rows.append(
                {
                    "b_instance": instance.instance_id,
                    "b_node": node_id,
                    "b_reward": float(given["value"]) if within else 0.0,
                    "b_at": instance.goal_at,
                }
            )
    executemany_fast(connection, _REWARD, rows)


def instance_decisions(connection: Connection, instance_id: str) -> list[dict[str, Any]]:
    """An instance's decisions, for the why-answers."""
    rows = connection.execute(
        select(decisions)
        .where(decisions.c.instance_id == instance_id)
        .order_by(decisions.c.decided_at, decisions.c.node)
    )
    return [
        {
            "node": row.node,
            "offer": row.arm,
            "holdout": row.holdout,
            "propensity": round(row.propensity, 4),
            "reason": row.reason,
            "decided_at": iso_instant(row.decided_at),
            "reward": row.reward,
        }
        for row in rows
    ]


# --- the report --------------------------------------------------------------------------


def decisions_report(
    connection: Connection, journey: Journey, definition: JourneyDefinition, now: datetime
) -> dict[str, Any]:
    """Per decide node of the definition: the evaluation of its logged decisions
    (`baton.predict.bandit.evaluate`: per-offer counts, conversion and offer rates, the
    holdout's and the policy's observed value, IPS estimates), its guardrails and caps,
    and the fairness of its offer rates across the workspace's sensitive traits."""
    fairness = load_policy(connection, journey.workspace_id).fairness
    found: dict[str, Any] = {}
    for node_id, node in definition.nodes.items():
        if not isinstance(node, DecideNode):
            continue
        logged_rows = connection.execute(
            select(
                decisions.c.profile_id,
                decisions.c.arm,
                decisions.c.context,
                decisions.c.reward,
                decisions.c.propensity,
                decisions.c.holdout,
                decisions.c.decided_at,
            )
            .where(decisions.c.journey_id == journey.id, decisions.c.node == node_id)
            .order_by(decisions.c.decided_at.desc(), decisions.c.id.desc())
            .limit(HISTORY)
        ).all()
        settled = [
            r for r in logged_rows if r.reward is not None or r.decided_at <= now - node.span
        ]
        logged = [
            Logged(r.arm, r.context or {}, r.reward or 0.0, r.propensity, r.holdout)
            for r in settled
        ]
        arms = arms_of(node)
        policy = Policy([arm.key for arm in node.arms], node.context, logged)
        report = evaluate(arms, logged, policy, seeded(0))
        report["pending"] = len(logged_rows) - len(settled)
        report["window"] = node.window
        report["caps"] = _caps(connection, journey.id, node_id, node, now)
        if node.levels is not None:
            report["guardrails"] = {
                "min_margin": node.min_margin,
                "max_level": node.max_level,
                "levels": {
                    arm.key: {
                        "level": arm.level if isinstance(arm, PriceLevel) else None,
                        "allowed": node.guarded(arm) is None,
                        **({"why_not": node.guarded(arm)} if node.guarded(arm) else {}),
                    }
                    for arm in node.arms
                },
            }
        report["fairness"] = _fairness(connection, node, logged_rows, fairness)
        found[node_id] = report
    return {"journey": journey.key, "at": iso_instant(now), "nodes": found}


def _caps(
    connection: Connection, journey_id: str, node_id: str, node: DecideNode, now: datetime
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for arm in node.arms:
        if arm.cap is None:
            continue
        found[arm.key] = {
            "count": arm.cap.count,
            "per": arm.cap.per,
            "given": given(connection, journey_id, node_id, arm, now),
        }
    return found


def _fairness(
    connection: Connection, node: DecideNode, rows: Sequence[Any], fairness: Fairness | None
) -> dict[str, Any]:
    """Each offer's rate across the groups of every sensitive trait (the latest decision
    of each profile), by `baton.predict.fairness`; `warnings` names gaps over the bound."""
    if fairness is None:
        return {
            "checked": False,
            "note": "the workspace names no sensitive traits (policy: fairness.sensitive_traits)",
        }
    latest: dict[str, str] = {}
    for row in rows:  # newest first
        latest.setdefault(row.profile_id, row.arm)
    ids = sorted(latest)
    groups: dict[str, dict[str, Any]] = {}
    for profile_id, traits in connection.execute(
        select(profiles.c.id, profiles.c.traits).where(
            among(profiles.c.id, ids, connection.dialect)
        )
    ):
        groups[profile_id] = {t: (traits or {}).get(t) for t in fairness.sensitive_traits}
    offers: dict[str, Any] = {}
    warnings = []
    counts = Counter(latest.values())
    for arm in node.arms:
        scores = {p: float(given == arm.key) for p, given in latest.items()}
        from baton.predict.fairness import fairness_report  # fairlearn loads on first use

        report = fairness_report(scores, groups, fairness.sensitive_traits, fairness.max_gap)
        offers[arm.key] = {
            "offer_rate": round(counts[arm.key] / len(latest), 4) if latest else None,
            "traits": {
                trait: {
                    "groups": [
                        {"group": g["group"], "count": g["count"], "offer_rate": g["rate_above"]}
                        for g in found["groups"]
                    ],
                    "gap": found["rate_gap"],
                    "within_bound": found["rate_gap"] <= fairness.max_gap,
                }
                for trait, found in report["traits"].items()
            },
        }
        for trait, found in offers[arm.key]["traits"].items():
            if not found["within_bound"]:
                warnings.append(
                    f"offer {arm.key}: its rate differs by {found['gap']} across {trait} "
                    f"groups, over the bound {fairness.max_gap}"
                )
    return {
        "checked": True,
        "profiles": len(latest),
        "max_gap": fairness.max_gap,
        "offers": offers,
        "warnings": warnings,
    }
