"""The customer journey map: the five lifecycle stages (awareness, consideration,
conversion, retention, advocacy), each with its journeys (those tagged with the stage),
their touchpoints (the events they react to, the channels they use), volumes, the share
of the stage's profiles that went on to the next stage, and the pain points of the
whole map: the steps with the largest drop-off, the messages with the highest failure
and unsubscribe rates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from baton.analytics.journey_report import journey_report
from baton.journeys import JourneyStage, MessageNode, definition_of, event_of, list_journeys
from baton.storage.tables import journey_instances

_PAIN_POINTS = 5
_SMALLEST = 20  # fewer visits than this say nothing about a step


def journey_map(
    connection: Connection, workspace_id: str, *, start: datetime, end: datetime, window: timedelta
) -> dict[str, Any]:
    stages: dict[str, dict[str, Any]] = {
        stage.value: {
            "stage": stage.value,
            "journeys": [],
            "events": set(),
            "channels": set(),
            "entries": 0,
            "goals": 0,
            "delivered": 0,
            "profiles": set(),
        }
        for stage in JourneyStage
    }
    pains: list[dict[str, Any]] = []
    for journey in list_journeys(connection, workspace_id):
        if journey.published_version is None:
            continue
        definition = definition_of(connection, journey.id, journey.published_version)
        if definition.stage is None:
            continue
        stage = stages[definition.stage.value]
        report = journey_report(
            connection, journey, start=start, end=end, version=None, window=window
        )
        trigger = event_of(definition.trigger)
        if trigger is not None:
            stage["events"].add(trigger.event)
        stage["channels"] |= {
            n.channel for n in definition.nodes.values() if isinstance(n, MessageNode)
        }
        delivered = sum(
            figures.get("messages", {}).get("by_status", {}).get("delivered", 0)
            for figures in report["nodes"].values()
        )
        stage["journeys"].append(
            {
                "key": journey.key,
                "name": journey.name,
                "status": journey.status.value,
                "entries": report["entries"],
                "goal_rate": report["goals"]["rate"],
            }
        )
        stage["entries"] += report["entries"]
        stage["goals"] += report["goals"]["conversions"]
        stage["delivered"] += delivered
        stage["profiles"] |= _profiles(connection, journey.id, start, end)
        pains.extend(_pains(journey.key, report))
    ordered = [stages[stage.value] for stage in JourneyStage]
    for here, following in zip(ordered, [*ordered[1:], None], strict=True):
        went_on = len(here["profiles"] & following["profiles"]) if following else None
        here["to_next_stage"] = (
            round(went_on / len(here["profiles"]), 6)
            if went_on is not None and here["profiles"]
            else None
        )
    for stage in ordered:
        stage["profiles"] = len(stage["profiles"])
        stage["events"], stage["channels"] = sorted(stage["events"]), sorted(stage["channels"])
    worst = sorted(pains, key=lambda pain: -pain["rate"])
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "stages": ordered,
        "pain_points": worst[:_PAIN_POINTS],
    }


def _profiles(connection: Connection, journey_id: str, start: datetime, end: datetime) -> set[str]:
    c = journey_instances.c
    return set(
        connection.execute(
            select(c.profile_id)
            .where(c.journey_id == journey_id, c.entered_at >= start, c.entered_at <= end)
            .distinct()
        ).scalars()
    )


def _pains(key: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for node, figures in report["nodes"].items():
        if figures["entered"] >= _SMALLEST and figures["dropped"]:
            found.append(
                {
                    "journey": key,
                    "node": node,
                    "kind": "drop_off",
                    "rate": round(figures["dropped"] / figures["entered"], 6),
                }
            )
        messages = figures.get("messages")
        if not messages:
            continue
        by_status = messages["by_status"]
        sent = by_status.get("delivered", 0) + by_status.get("failed", 0)
        if sent >= _SMALLEST and by_status.get("failed"):
            found.append(
                {
                    "journey": key,
                    "node": node,
                    "kind": "failure",
                    "rate": round(by_status["failed"] / sent, 6),
                }
            )
        if messages.get("unsubscribed_rate") and by_status.get("delivered", 0) >= _SMALLEST:
            found.append(
                {
                    "journey": key,
                    "node": node,
                    "kind": "unsubscribe",
                    "rate": messages["unsubscribed_rate"],
                }
            )
    return found
