"""Admin API for review requests: changes held for approval, listed, approved or rejected.

Where the workspace requires approval (`require_approval`), a marketer's journey publish
or template save becomes a review request (answered 202) instead of taking effect.
Someone else who may approve (owner, admin) then approves it, which makes exactly the
change reviewed, or rejects it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StrictStr
from sqlalchemy import Connection

from baton.api.auth import Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.callers import Caller
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.campaigns import dump_broadcast, get_broadcast, start
from baton.channels import MessageTemplate, parse_template, save_template, template_of
from baton.core.errors import Conflict, NotFound
from baton.core.formats import iso_instant
from baton.journeys import Journey, Status, definition_of, dump_journey, get_journey, publish
from baton.predict import decide_version
from baton.storage.database import write_transaction
from baton.teams import APPROVERS
from baton.teams.audit import diff, record
from baton.teams.reviews import (
    Kind,
    Review,
    ReviewStatus,
    decide,
    get_review,
    list_reviews,
    request_review,
)
from baton.workspaces import workspace_of

router = APIRouter(prefix="/api/v1", tags=["reviews"], route_class=DocumentRoute)


def publication_review(
    connection: Connection,
    who: Caller,
    key: str,
    node_map: dict[str, str] | None,
    now: datetime,
) -> JSONBody | None:
    """Where the caller's publish waits for approval, a review request instead: of
    publishing the journey's draft as it is now (migrating live instances with `node_map`
    when given), with its changes against the published version; 202 and the review.
    None where the caller publishes directly."""
    if not held(connection, who, Kind.JOURNEYS):
        return None
    journey = get_journey(connection, who.workspace, key)
    if journey.status is Status.ARCHIVED:
        raise Conflict(f"journey {key!r} is archived")
    draft = dump_journey(definition_of(connection, journey.id, journey.version))
    proposed = {
        "version": journey.version,
        "definition": draft,
        "migrate": node_map is not None,
        "node_map": node_map or {},
    }
    live = _published_definition(connection, journey)
    return _requested(connection, who, Kind.JOURNEYS, key, proposed, live, draft, now)


def template_review(
    connection: Connection, who: Caller, template: MessageTemplate, now: datetime
) -> JSONBody | None:
    """Where the caller's template saves wait for approval, a review request instead, of
    saving `template` over the stored one; 202 and the review. None where the caller
    saves directly, or where the save would change nothing."""
    if not held(connection, who, Kind.TEMPLATES):
        return None
    document = _document(template)
    stored = _stored_template(connection, who.workspace, template.key)
    if stored == document:
        return None
    return _requested(
        connection, who, Kind.TEMPLATES, template.key, document, stored, document, now
    )


def send_review(connection: Connection, who: Caller, key: str, now: datetime) -> JSONBody | None:
    """Where the caller's broadcast sends wait for approval, a review request instead, of
    sending the broadcast's draft as it is now; 202 and the review. None where the caller
    sends directly."""
    if not held(connection, who, Kind.BROADCASTS):
        return None
    draft = dump_broadcast(get_broadcast(connection, who.workspace, key).definition)
    return _requested(connection, who, Kind.BROADCASTS, key, draft, {}, draft, now)


def held(connection: Connection, who: Caller, kind: Kind) -> bool:
    """Whether what the caller makes live of this kind must wait for approval."""
    return (
        who.role not in APPROVERS
        and kind in workspace_of(connection, who.workspace).require_approval
    )


def _requested(
    connection: Connection,
    who: Caller,
    kind: Kind,
    key: str,
    proposed: Any,
    live: dict[str, Any],
    wanted: dict[str, Any],
    now: datetime,
) -> JSONBody:
    changes = diff(live, wanted)
    review = request_review(
        connection, who.workspace, kind, key, proposed, changes, who.actor_id, now
    )
    record(connection, who.workspace, who.actor, "review.request", now,
           object_type="review", object_id=review.id, before=live, after=wanted,
           detail={"kind": kind.value, "key": key})  # fmt: skip
    return JSONBody(review_json(review, full=True), 202)


@router.get("/reviews", summary="Review requests, newest first")
def get_reviews(
    request: Request,
    who: Staff,
    status: ReviewStatus | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    """Without their proposals and changes: `GET /api/v1/reviews/{review_id}` has them."""
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = list_reviews(connection, who.workspace, status, after, limit)
    return JSONBody(page_json([review_json(r, full=False) for r in page.items], page.after))


@router.get("/reviews/{review_id}", summary="A review request with its proposal and changes")
def get_one(request: Request, who: Staff, review_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(review_json(get_review(connection, who.workspace, review_id), full=True))


class Decision(BaseModel):
    """A decision's comment: optional."""

    comment: StrictStr | None = Field(default=None, max_length=2000)


@router.post(
    "/reviews/{review_id}/approve", summary="Approve someone else's request: it takes effect"
)
def approve(
    request: Request, who: Staff, review_id: str, decision: Decision | None = None
) -> JSONBody:
    """A journey's draft is published only if it is still the version reviewed; a
    template is saved only if the stored one is still the one reviewed against."""
    return _decided(request, who, review_id, ReviewStatus.APPROVED, decision)


@router.post("/reviews/{review_id}/reject", summary="Reject someone else's request")
def reject(
    request: Request, who: Staff, review_id: str, decision: Decision | None = None
) -> JSONBody:
    return _decided(request, who, review_id, ReviewStatus.REJECTED, decision)


def _decided(
    request: Request,
    who: Caller,
    review_id: str,
    status: ReviewStatus,
    decision: Decision | None,
) -> JSONBody:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    comment = decision.comment if decision is not None else None
    approved = status is ReviewStatus.APPROVED
    with write_transaction(runtime.engine) as connection:
        review = decide(connection, who.workspace, review_id, status, who.actor_id, now, comment)
        record(connection, who.workspace, who.actor,
               "review.approve" if approved else "review.reject", now,
               object_type="review", object_id=review.id,
               detail={"kind": review.kind.value, "key": review.object_key,
                       "comment": comment})  # fmt: skip
        if approved and review.kind is Kind.JOURNEYS:
            _publish(connection, who, review, now)
        elif approved and review.kind is Kind.TEMPLATES:
            _save_template(connection, who, review, now)
        elif approved and review.kind is Kind.BROADCASTS:
            _send_broadcast(connection, who, review, now)
        elif review.kind is Kind.MODELS:
            decide_version(connection, who.workspace, review.object_key,
                           review.proposed["version"], approved, now)  # fmt: skip
    if approved and review.kind in (Kind.JOURNEYS, Kind.BROADCASTS) and runtime.processor:
        runtime.processor.wake_journeys()
    if approved and review.kind is Kind.MODELS and runtime.processor is not None:
        runtime.processor.wake_predictions()
    return JSONBody(review_json(review, full=True))


def _publish(connection: Connection, who: Caller, review: Review, now: datetime) -> None:
    proposed = review.proposed
    key = review.object_key
    journey = get_journey(connection, who.workspace, key)
    draft = dump_journey(definition_of(connection, journey.id, journey.version))
    if journey.version != proposed["version"] or draft != proposed["definition"]:
        raise Conflict("the draft changed since the request: ask for a new review")
    before = _published_definition(connection, journey)
    publish(
        connection, who.workspace, key, now, proposed["node_map"] if proposed["migrate"] else None
    )
    record(connection, who.workspace, who.actor, "journey.publish", now,
           object_type="journey", object_id=key, before=before, after=draft,
           detail={"review": review.id})  # fmt: skip


def _send_broadcast(connection: Connection, who: Caller, review: Review, now: datetime) -> None:
    key = review.object_key
    draft = get_broadcast(connection, who.workspace, key)
    if dump_broadcast(draft.definition) != review.proposed:
        raise Conflict("the draft changed since the request: ask for a new review")
    sent = start(connection, who.workspace, key, now)
    record(connection, who.workspace, who.actor, "broadcast.send", now,
           object_type="broadcast", object_id=key, before=draft.json(), after=sent.json(),
           detail={"review": review.id})  # fmt: skip


def _save_template(connection: Connection, who: Caller, review: Review, now: datetime) -> None:
    key = review.object_key
    stored = _stored_template(connection, who.workspace, key)
    # The changes reviewed were against the template stored then: any other means it moved.
    if diff(stored, review.proposed) != review.changes:
        raise Conflict("the template changed since the request: ask for a new review")
    save_template(connection, who.workspace, parse_template(review.proposed), now)
    record(connection, who.workspace, who.actor, "template.save", now,
           object_type="template", object_id=key, before=stored, after=review.proposed,
           detail={"review": review.id})  # fmt: skip


def _published_definition(connection: Connection, journey: Journey) -> dict[str, Any]:
    """The journey's live definition; empty when none was published."""
    if journey.published_version is None:
        return {}
    return dump_journey(definition_of(connection, journey.id, journey.published_version))


def _stored_template(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    """The stored template's document; empty when there is none."""
    try:
        return _document(template_of(connection, workspace_id, key))
    except NotFound:
        return {}


def _document(template: MessageTemplate) -> dict[str, Any]:
    return template.model_dump(mode="json", exclude_defaults=True)


def review_json(review: Review, *, full: bool) -> dict[str, Any]:
    """A review as the API shows it; `full` adds what was proposed and the changes."""
    found: dict[str, Any] = {
        "id": review.id,
        "kind": review.kind.value,
        "object_key": review.object_key,
        "status": review.status.value,
        "requested_by": review.requested_by,
        "requested_by_label": review.requested_by_label,
        "requested_at": iso_instant(review.requested_at),
        "decided_by": review.decided_by,
        "decided_by_label": review.decided_by_label,
        "decided_at": iso_instant(review.decided_at),
        "comment": review.comment,
    }
    if full:
        found["proposed"] = review.proposed
        found["changes"] = review.changes
    return found
