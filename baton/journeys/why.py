"""Why a profile did or did not enter a journey, and why it did or did not get a message.

Answers from what was recorded (instances, steps, refusals, message decisions) and, for
a profile that never entered, from its events and conditions as they stand now.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from baton.channels import CAP_PREFIX, DELIVERED, PENDING
from baton.core.formats import iso_instant
from baton.journeys.best_time import timing_answer
from baton.journeys.decisions import instance_decisions
from baton.journeys.definitions import (
    ApiTrigger,
    DateTraitTrigger,
    JourneyDefinition,
    ScheduleTrigger,
    dump_journey,
    event_of,
)
from baton.journeys.profiles import conditions_catalog
from baton.journeys.refusals import AUDIENCE, PAUSED, last_refusal
from baton.journeys.store import Journey, Status, definition_of
from baton.segments import (
    PREDICTED,
    PREDICTED_KEY,
    ProfileEvaluation,
    ProfileFacts,
    load_catalog,
    load_facts,
    referenced_segments,
)
from baton.storage.tables import (
    events,
    journey_instances,
    journey_versions,
    message_decisions,
    messages,
    profiles,
)

# How many of the profile's trigger events are checked against the trigger's filters.
_EVENTS_CHECKED = 1000


def why(
    connection: Connection, workspace_id: str, journey: Journey, profile_id: str, now: datetime
) -> dict[str, Any]:
    instances = connection.execute(
        select(journey_instances)
        .where(
            journey_instances.c.journey_id == journey.id,
            journey_instances.c.profile_id == profile_id,
        )
        .order_by(journey_instances.c.entered_at)
    ).all()
    found: dict[str, Any] = {
        "journey": journey.key,
        "profile_id": profile_id,
        "entered": bool(instances),
    }
    scores = _scores_read(connection, workspace_id, journey, profile_id)
    if scores:
        found["predictions"] = scores
    if not instances:
        reasons = _never_entered(connection, workspace_id, journey, profile_id, now)
        return {**found, "answer": reasons[0]["message"], "reasons": reasons}
    explained = [_instance(connection, row) for row in instances]
    refusal = last_refusal(connection, journey.id, profile_id)
    if refusal is not None and refusal["at"] > explained[-1]["entered_at"]:
        found["last_refusal"] = refusal
    return {**found, "answer": explained[-1]["answer"], "instances": explained}


def _scores_read(
    connection: Connection, workspace_id: str, journey: Journey, profile_id: str
) -> list[dict[str, Any]]:
    """The person's scores of the predictions the journey reads, in its nodes or in the
    segments it uses: "predicted.churn-90d is 0.83 (decile 1)"."""
    version = journey.published_version or journey.version
    document = orjson.dumps(dump_journey(definition_of(connection, journey.id, version)))
    catalog, _ = load_catalog(connection, workspace_id)
    segments = {key for key in catalog.segments if f'"{key}"'.encode() in document}
    pending = list(segments)
    while pending:
        for key in referenced_segments(catalog.segments[pending.pop()].condition):
            if key in catalog.segments and key not in segments:
                segments.add(key)
                pending.append(key)
    read = set(_PREDICTED.findall(document.decode()))
    for key in segments:
        read |= set(_PREDICTED.findall(catalog.segments[key].model_dump_json()))
    if not read:
        return []
    computed = connection.execute(
        select(profiles.c.computed).where(
            profiles.c.workspace_id == workspace_id, profiles.c.id == profile_id
        )
    ).scalar_one_or_none()
    held = (computed or {}).get(PREDICTED_KEY) or {}
    found = []
    for key in sorted(read & set(held)):
        decile = held.get(f"{key}_decile")
        also = f" (decile {decile})" if decile is not None else ""
        found.append(
            {
                "trait": f"{PREDICTED}{key}",
                "value": held[key],
                "decile": decile,
                "answer": f"{PREDICTED}{key} is {held[key]:.3g}{also}"
                if isinstance(held[key], int | float)
                else f"{PREDICTED}{key} is {held[key]}",
            }
        )
    return found


_PREDICTED = re.compile(re.escape(PREDICTED) + r"([a-z0-9][a-z0-9-]*)")


def _instance(connection: Connection, row: Any) -> dict[str, Any]:
    sent = connection.execute(
        select(messages).where(messages.c.instance_id == row.id).order_by(messages.c.created_at)
    ).all()
    decisions = decisions_of(connection, [m.id for m in sent])
    listed = [
        {
            "node": m.node,
            "channel": m.channel,
            "template": m.template,
            "status": m.status,
            "reason": m.reason,
            "due_at": iso_instant(m.due_at) if m.status == PENDING else None,
            "decisions": decisions.get(m.id, []),
            "why": _message_answer(m),
            **_timing(m),
        }
        for m in sent
    ]
    offers = instance_decisions(connection, row.id)
    return {
        "id": row.id,
        "version": row.version,
        "entered_at": iso_instant(row.entered_at),
        "ended_at": iso_instant(row.ended_at),
        "outcome": row.outcome,
        "node": row.node,
        "wake_at": iso_instant(row.wake_at),
        "messages": listed,
        "offers": offers,
        "answer": _instance_answer(row, listed)
        + "".join(f"; at node {o['node']}: {o['reason']}" for o in offers),
    }


def decisions_of(connection: Connection, message_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each message's arbitration decisions, in order: at, decision, reason, until."""
    decisions: dict[str, list[dict[str, Any]]] = {}
    for decision in connection.execute(
        select(message_decisions)
        .where(message_decisions.c.message_id.in_(message_ids))
        .order_by(message_decisions.c.message_id, message_decisions.c.n)
    ):
        entry = {"at": iso_instant(decision.at), "decision": decision.decision}
        if decision.reason is not None:
            entry["reason"] = decision.reason
        if decision.until is not None:
            entry["until"] = iso_instant(decision.until)
        decisions.setdefault(decision.message_id, []).append(entry)
    return decisions


def _timing(message: Any) -> dict[str, Any]:
    """A best-time message's timing, and its answer with the timing in words."""
    timing = (message.payload or {}).get("send_at")
    if not timing:
        return {}
    answer = f"{_message_answer(message)}; {timing_answer(timing, message.channel)}"
    return {"send_at": timing, "why": answer}


def _message_answer(message: Any) -> str:
    return message_answer(message, f"{message.channel} {message.template} at node {message.node}")


def message_answer(message: Any, what: str) -> str:
    """What became of a message (`what` names it): sent, due, deferred or why not."""
    if message.status == DELIVERED:
        return f"{what} was sent at {iso_instant(message.dispatched_at)}"
    due = iso_instant(message.due_at)
    if message.status == PENDING:
        if message.reason is None:
            return f"{what} is due at {due}"
        return f"{what} was deferred ({reason_text(message.reason)}) until {due}"
    return f"{what} was {message.status}: {reason_text(message.reason or 'no reason recorded')}"


_REASONS = {
    "quiet_hours": "quiet hours in the profile's time zone",
    "no_consent": "the profile has not consented to this subscription group",
    "held_out": "the profile is in the journey's holdout group",
    "whatsapp_window": "more than 24 hours since the person last wrote on WhatsApp, and the "
    "template names no approved WhatsApp template (whatsapp.content_sid)",
    "instance_ended": "the instance ended (goal, exit or archive) before it was sent",
    "broadcast_paused": "its broadcast was paused before it was sent",
    "broadcast_cancelled": "its broadcast was cancelled before it was sent",
    "cap:preference": "the person's own frequency preference (set in the preference center)",
}


def reason_text(reason: str) -> str:
    if reason.startswith(CAP_PREFIX) and reason not in _REASONS:
        return f"frequency cap {reason.removeprefix(CAP_PREFIX)!r}"
    return _REASONS.get(reason, reason)


def _instance_answer(row: Any, listed: list[dict[str, Any]]) -> str:
    entered = f"entered at {iso_instant(row.entered_at)}"
    if listed:
        return f"{entered}; " + "; ".join(m["why"] for m in listed)
    if row.ended_at is None:
        until = f" until {iso_instant(row.wake_at)}" if row.wake_at is not None else ""
        timing = (row.state or {}).get("send_at")
        if timing:
            until += f": it {timing_answer(timing, timing['channel'], waiting=True)}"
        return f"{entered}; no message yet: it waits at node {row.node}{until}"
    return (
        f"{entered}; no message: it ended ({row.outcome}) at node {row.node} "
        f"at {iso_instant(row.ended_at)} before reaching one"
    )


def _never_entered(
    connection: Connection, workspace_id: str, journey: Journey, profile_id: str, now: datetime
) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = []
    if journey.published_version is None:
        return [_reason("never_published", "the journey has never been published")]
    if journey.status is Status.PAUSED:
        reasons.append(_reason(PAUSED, "the journey is paused: nobody enters"))
    elif journey.status is Status.ARCHIVED:
        reasons.append(_reason("archived", "the journey is archived: nobody enters"))
    refusal = last_refusal(connection, journey.id, profile_id)
    if refusal is not None:
        reasons.append(
            _reason(
                refusal["reason"],
                f"refused {refusal['times']} time(s), last at {refusal['at']}: "
                f"{refusal['message']}",
                refusal,
            )
        )
    definition = definition_of(connection, journey.id, journey.published_version)
    published_at = connection.execute(
        select(func.min(journey_versions.c.published_at)).where(
            journey_versions.c.journey_id == journey.id
        )
    ).scalar()
    reasons.extend(_trigger(connection, workspace_id, definition, profile_id, published_at))
    audience = _audience(connection, workspace_id, definition, profile_id, now)
    if audience is not None:
        reasons.append(audience)
    return reasons or [_reason("unknown", "nothing on record explains it")]


def _trigger(
    connection: Connection,
    workspace_id: str,
    definition: JourneyDefinition,
    profile_id: str,
    published_at: datetime | None,
) -> list[dict[str, Any]]:
    trigger = definition.trigger
    if isinstance(trigger, ApiTrigger):
        return [_reason("api_only", "the journey is entered by API call only")]
    if isinstance(trigger, ScheduleTrigger):
        return [
            _reason(
                "schedule",
                f"the journey enters members of segment {trigger.segment!r} at "
                f"'{trigger.schedule}' ({trigger.timezone})",
            )
        ]
    if isinstance(trigger, DateTraitTrigger):
        return [
            _reason(
                "date_trait",
                f"the journey enters profiles on their {trigger.date_trait!r} date",
            )
        ]
    matcher = event_of(trigger)
    assert matcher is not None
    rows = connection.execute(
        select(events.c.properties, events.c.timestamp)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.profile_id == profile_id,
            events.c.event == matcher.event,
        )
        .order_by(events.c.timestamp.desc())
        .limit(_EVENTS_CHECKED)
    ).all()
    named = f"{matcher.event!r}" + (
        f" for segment {matcher.where[0].value!r}" if trigger is not matcher else ""
    )
    if not rows:
        return [_reason("trigger_not_matched", f"the profile has no {named} event")]
    matching = [
        at for properties, at in rows if matcher.matches(matcher.event, properties or {}, at)
    ]
    if not matching:
        return [
            _reason(
                "trigger_filtered",
                f"the profile's {len(rows)} {named} event(s) did not pass the trigger's filters",
            )
        ]
    if published_at is not None and max(matching) < published_at:
        return [
            _reason(
                "trigger_before_publication",
                f"the profile's {named} events came before the journey was first published "
                f"({iso_instant(published_at)})",
            )
        ]
    return []


def _audience(
    connection: Connection,
    workspace_id: str,
    definition: JourneyDefinition,
    profile_id: str,
    now: datetime,
) -> dict[str, Any] | None:
    if definition.audience is None:
        return None
    catalog = conditions_catalog(connection, workspace_id, [definition])
    facts, _ = load_facts(connection, workspace_id, [profile_id], catalog, now)
    evaluation = ProfileEvaluation(
        catalog, facts.get(profile_id, ProfileFacts(profile_id, {}, None, None, [])), now
    )
    explained = evaluation.explain(definition.audience)
    if explained["holds"]:
        return None
    return _reason(
        AUDIENCE,
        "the profile is not in the journey's audience now",
        {"audience": explained},
    )


def _reason(code: str, message: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"code": code, "message": message}
    if detail:
        found["detail"] = detail
    return found
