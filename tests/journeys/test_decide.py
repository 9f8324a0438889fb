"""The `decide` node: next best action and dynamic pricing, from the definition through the
interpreter to the engine, which learns from the journey goal and stores every decision."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.journeys import get_journey, why
from baton.journeys.decisions import decisions_report
from baton.journeys.definitions import parse_journey
from baton.journeys.interpreter import Arrival, Decided, Enter, Send, advance, replay
from baton.journeys.store import definition_of
from baton.storage.database import write_transaction
from baton.storage.tables import decisions, identifiers
from baton.workspaces import Fairness, load_policy, save_policy
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, publish
from tests.journeys.test_interpreter import T0, FakeProfile
from tests.segments.helpers import identify, track

OFFERS = [
    {"key": "gift", "value": 10, "cost": 1},
    {"key": "discount", "value": 10, "cost": 1},
]


def decide_journey(node: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "key": extra.pop("key", "nba"),
        "name": "Next best action",
        "trigger": {"event": "Offer Time"},
        "goal": {"event": "Order Completed"},
        "start": "offer",
        "nodes": {
            "offer": {"type": "decide", "offers": OFFERS, "next": "wait", **node},
            "wait": {"type": "wait_for_event", "event": "Order Completed", "timeout": "2h"},
            **extra.pop("nodes", {}),
        },
        **extra,
    }


def enter(definition: Any, profile: FakeProfile) -> Any:
    return advance(definition, None, Enter(T0, {"event": "Offer Time", "properties": {}}), profile)


@pytest.mark.parametrize(
    ("node", "extra", "field"),
    [
        ({"offers": OFFERS[:1]}, {}, "nodes.offer.offers"),
        ({"offers": [OFFERS[0], OFFERS[0]]}, {}, "nodes.offer.offers"),
        ({"offers": [OFFERS[0], {**OFFERS[1], "value": 0}]}, {}, "nodes.offer.offers.1.value"),
        ({"offers": [OFFERS[0], {**OFFERS[1], "next": "later"}]}, {}, "nodes.offer.offers.1.next"),
        (
            {"offers": [{**OFFERS[0], "cap": {"count": 5, "per": "soon"}}, OFFERS[1]]},
            {},
            "nodes.offer.offers.0.cap.per",
        ),
        ({"window": "a while"}, {}, "nodes.offer.window"),
        ({"holdout": 0}, {}, "nodes.offer.holdout"),
        ({"context": ["no spaces"]}, {}, "nodes.offer.context.0"),
        ({"min_margin": 5}, {}, "nodes.offer.min_margin"),
        (
            {
                "offers": None,
                "levels": [
                    {"key": "p10", "level": 10, "value": 40, "cost": 4},
                    {"key": "p20", "level": 20, "value": 40, "cost": 8},
                ],
                "max_level": 5,
            },
            {},
            "nodes.offer.max_level",
        ),
        (
            {"offers": None, "levels": [{"key": "x", "level": 1, "value": 1}] * 2},
            {},
            "nodes.offer.levels",
        ),
        (
            {
                "levels": [
                    {"key": "x", "level": 1, "value": 1},
                    {"key": "y", "level": 2, "value": 1},
                ]
            },
            {},
            "nodes.offer",
        ),
        ({}, {"goal": None}, "goal"),
    ],
)
def test_validation_points_at_the_offending_field(
    node: dict[str, Any], extra: dict[str, Any], field: str
) -> None:
    data = decide_journey(node, **extra)
    if data.get("goal") is None:
        data.pop("goal")
    data["nodes"]["offer"] = {k: v for k, v in data["nodes"]["offer"].items() if v is not None}
    with pytest.raises(InvalidInput) as caught:
        parse_journey(data)
    assert caught.value.field == field, caught.value.message


def test_only_eligible_offers_are_given_and_later_nodes_see_the_choice() -> None:
    vip_only = {"trait": "vip", "op": "equals", "value": True}
    definition = parse_journey(
        decide_journey(
            {
                "offers": [*OFFERS, {"key": "lounge", "value": 50, "eligible": vip_only}],
                "next": "mail",
                "no_offer_next": "sorry",
            },
            nodes={
                "mail": {
                    "type": "message",
                    "channel": "email",
                    "template": "offer",
                    "next": "wait",
                },
                "sorry": {"type": "exit"},
            },
        )
    )
    given: Counter[tuple[bool, str]] = Counter()
    for n in range(300):
        vip = n % 2 == 0
        result = enter(definition, FakeProfile(f"prof_{n}", {"vip": vip}))
        chosen = result.state.decisions["offer"]
        given[(vip, chosen["offer"])] += 1
        decided = next(e for e in result.effects if isinstance(e, Decided))
        assert decided.arm == chosen["offer"]
        assert 0 < decided.propensity <= 1
        send = next(e for e in result.effects if isinstance(e, Send))
        assert send.payload["decisions"]["offer"]["offer"] == chosen["offer"]
    assert given[(False, "lounge")] == 0
    assert given[(True, "lounge")] > 50  # worth five times the others: a cold bandit tries it
    # Nobody eligible: the node's no_offer_next, and nothing decided.
    nobody = parse_journey(
        decide_journey(
            {
                "offers": [{**offer, "eligible": vip_only} for offer in OFFERS],
                "no_offer_next": "sorry",
            },
            nodes={"sorry": {"type": "exit"}},
        )
    )
    result = enter(nobody, FakeProfile("prof_x", {"vip": False}))
    assert "offer" not in result.state.decisions
    assert [s.node for s in result.steps] == ["offer", "sorry", "sorry"]
    assert result.steps[0].detail == {
        "eligible": [],
        "refused": {"gift": "not eligible", "discount": "not eligible"},
        "offer": None,
        "reason": "no offer is eligible",
    }


def test_pricing_never_breaks_its_guardrails() -> None:
    levels = [
        {"key": f"off{level}", "level": level, "value": 40, "cost": level * 0.4}
        for level in (0, 10, 20, 30, 40)
    ]
    definition = parse_journey(
        decide_journey(
            {"offers": None, "levels": levels, "min_margin": 30, "max_level": 30},
            key="pricing",
        )
    )
    node = definition.nodes["offer"]
    node_data = {k: v for k, v in node.model_dump().items() if v is not None}
    assert node_data["min_margin"] == 30
    chosen = Counter(
        enter(definition, FakeProfile(f"prof_{n}")).state.decisions["offer"]["level"]
        for n in range(400)
    )
    # off30 keeps 40 - 12 = 28 < min_margin; off40 is over max_level too.
    assert set(chosen) == {0, 10, 20}


def test_a_replay_makes_the_same_decisions() -> None:
    definition = parse_journey(decide_journey({"context": ["tier"]}))
    for n in range(20):
        profile = FakeProfile(f"prof_{n}", {"tier": "gold" if n % 3 else "basic"})
        trigger = {"event": "Offer Time", "properties": {}}
        first = advance(definition, None, Enter(T0, trigger), profile)
        bought = Arrival(T0 + timedelta(minutes=5), "Order Completed", {}, "m1")
        second = advance(definition, first.state, bought, profile)
        again = replay(
            definition,
            trigger,
            T0,
            first.steps + second.steps,
            profile,
            {"m1": ("Order Completed", {})},
        )
        assert again.state.decisions == second.state.decisions
        assert [e for e in again.effects if isinstance(e, Decided)] == [
            e for e in first.effects if isinstance(e, Decided)
        ]


# --- through the engine, on both databases ------------------------------------------------

RATES = {("gold", "gift"): 0.6, ("gold", "discount"): 0.05,
         ("basic", "gift"): 0.05, ("basic", "discount"): 0.6}  # fmt: skip


def users_by_profile(engine: Engine, workspace_id: str) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(identifiers.c.profile_id, identifiers.c.value).where(
                identifiers.c.workspace_id == workspace_id, identifiers.c.kind == "user_id"
            )
        )
        return dict(rows.all())


def decision_rows(engine: Engine, journey_id: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(decisions).where(decisions.c.journey_id == journey_id).order_by(decisions.c.id)
        ).mappings()
        return [dict(row) for row in rows]


def test_the_engine_learns_which_offer_suits_whom(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """Gold customers buy after a gift, basic ones after a discount: the node, which sees
    the tier, learns it round by round from the goal, and stores every decision."""
    journey = publish(
        engine, clock, workspace.id, decide_journey({"context": ["tier"], "window": "1h"})
    )
    with write_transaction(engine) as connection:
        fairness = Fairness(sensitive_traits=["gender"], max_gap=0.2)
        policy = load_policy(connection, workspace.id).model_copy(update={"fairness": fairness})
        save_policy(connection, workspace.id, policy)
    users = [f"nba-{n}" for n in range(240)]
    tier = {u: "gold" if n % 2 else "basic" for n, u in enumerate(users)}
    gender = {u: "f" if n % 3 else "m" for n, u in enumerate(users)}
    deliver(engine, clock, workspace.id,
            *(identify(u, clock.now(), tier=tier[u], gender=gender[u]) for u in users))  # fmt: skip
    world = np.random.default_rng(5)
    seen = 0
    for _ in range(5):
        deliver(engine, clock, workspace.id, *(track(u, "Offer Time", clock.now()) for u in users))
        by_profile = users_by_profile(engine, workspace.id)
        rows = decision_rows(engine, journey.id)
        made, seen = rows[seen:], len(rows)
        assert len(made) == len(users)
        buyers = [
            by_profile[r["profile_id"]]
            for r in made
            if world.random() < RATES[(tier[by_profile[r["profile_id"]]], r["arm"])]
        ]
        clock.advance(timedelta(minutes=10))
        deliver(engine, clock, workspace.id,
                *(track(u, "Order Completed", clock.now()) for u in buyers))  # fmt: skip
        clock.advance(timedelta(hours=3))  # the others' windows pass; their waits time out
        deliver(engine, clock, workspace.id)
    rows = decision_rows(engine, journey.id)
    by_profile = users_by_profile(engine, workspace.id)
    assert len(rows) == 5 * len(users)
    assert all(0 < r["propensity"] <= 1 for r in rows)
    assert 0.05 < sum(r["holdout"] for r in rows) / len(rows) < 0.16
    assert all(r["context"] == {"tier": tier[by_profile[r["profile_id"]]]} for r in rows)
    # Rewards: the value for a purchase within the window; 0 once it passed (those of the
    # last round are settled when the node is next fitted, or read so by the report).
    rewarded = [r for r in rows[: 4 * len(users)]]
    assert all(r["reward"] in (0.0, 10.0) for r in rewarded)
    assert 0 < sum(r["reward"] == 10.0 for r in rewarded) < len(rewarded)
    best = {"gold": "gift", "basic": "discount"}
    last = [r for r in rows[4 * len(users) :] if not r["holdout"]]
    suited = sum(r["arm"] == best[tier[by_profile[r["profile_id"]]]] for r in last)
    assert suited / len(last) > 0.8  # random would give about half
    first = [r for r in rows[: len(users)] if not r["holdout"]]
    assert sum(r["arm"] == best[tier[by_profile[r["profile_id"]]]] for r in first) / len(
        first
    ) < suited / len(last)
    assert any(r["reason"].startswith("offered ") for r in rows[len(users) :])
    assert any(r["reason"].startswith("holdout: ") for r in rows)

    with engine.connect() as connection:
        stored = get_journey(connection, workspace.id, "nba")
        assert stored.published_version is not None
        definition = definition_of(connection, stored.id, stored.published_version)
        report = decisions_report(connection, stored, definition, clock.now())
        node = report["nodes"]["offer"]
        assert node["decisions"] == len(rows)
        assert node["pending"] == 0
        assert node["ips"]["learned_policy"]["snips"] > node["ips"]["random_policy"]["snips"]
        observed = node["observed"]
        assert observed["policy_net_per_decision"] > observed["holdout_net_per_decision"]
        assert node["fairness"]["checked"] is True
        rates = node["fairness"]["offers"]["gift"]["traits"]["gender"]
        assert {g["group"] for g in rates["groups"]} == {"f", "m"}
        answer = why(connection, workspace.id, stored, rows[-1]["profile_id"], clock.now())
    latest = answer["instances"][-1]
    assert latest["offers"][0]["offer"] == rows[-1]["arm"]
    assert f"at node offer: {rows[-1]['reason']}" in latest["answer"]


def test_caps_limit_how_often_an_offer_is_given(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    capped = [
        {"key": "gift", "value": 100, "cost": 0, "cap": {"count": 3}},
        {"key": "discount", "value": 1, "cost": 0, "cap": {"count": 4, "per": "1d"}},
    ]
    journey = publish(
        engine,
        clock,
        workspace.id,
        decide_journey(
            {"offers": capped, "no_offer_next": "none"},
            key="capped",
            nodes={"none": {"type": "exit"}},
        ),
    )
    users = [f"cap-{n}" for n in range(10)]
    deliver(engine, clock, workspace.id, *(track(u, "Offer Time", clock.now()) for u in users))
    given = Counter(r["arm"] for r in decision_rows(engine, journey.id))
    assert given == {"gift": 3, "discount": 4}  # the other three reached no_offer_next
    clock.advance(timedelta(days=1, hours=3))  # the discount's day is over; the gift's not
    deliver(engine, clock, workspace.id)  # the waits time out: everyone may enter again
    deliver(engine, clock, workspace.id, *(track(u, "Offer Time", clock.now()) for u in users))
    given = Counter(r["arm"] for r in decision_rows(engine, journey.id))
    assert given == {"gift": 3, "discount": 8}
