"""Admin API for broadcasts: drafts, their recipients, sending, pausing, reports and the
why-answer for one person (Bearer admin token)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from baton.api.audit import unless_missing
from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.callers import Caller
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.api.reviews import send_review
from baton.campaigns import (
    Broadcast,
    BroadcastDefinition,
    broadcast_report,
    broadcast_summaries,
    broadcasts_page,
    cancel,
    delete_broadcast,
    get_broadcast,
    parse_broadcast,
    pause,
    resume,
    save_draft,
    start,
    upload_recipients,
    why_broadcast,
)
from baton.core.errors import InvalidInput
from baton.identity import resolve_profile_id
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1/broadcasts", tags=["broadcasts"], route_class=DocumentRoute)
BroadcastDocument = Annotated[dict[str, Any], described_by(BroadcastDefinition)]
# The admin API takes bodies of up to 1 MB (baton/api/limits.py): a CSV fits within, and
# a longer list goes in several uploads.
CSV_CHARACTERS = 1024 * 1024


class RecipientsCsv(BaseModel):
    """A CSV file's text: a header naming the column (`profile_id`, `email`, `user_id`,
    `phone` or `anonymous_id`), then one person a row."""

    model_config = ConfigDict(extra="forbid")

    csv: str = Field(max_length=CSV_CHARACTERS)


@router.get("", summary="The workspace's broadcasts by key, in pages")
def list_broadcasts(
    request: Request, workspace_id: AdminWorkspace, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = broadcasts_page(connection, workspace_id, after, limit)
        return JSONBody(page_json(_answers(connection, page.items), page.after))


@router.put("/{key}", summary="Create or replace a broadcast's draft (JSON or YAML body)")
def put_broadcast(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, body: BroadcastDocument
) -> JSONBody:
    """The body's `key` may be left out: it is the URL's. Only a draft can change."""
    if body.setdefault("key", key) != key:
        raise InvalidInput(f"key: {body['key']!r} differs from the URL's {key!r}", field="key")
    definition = parse_broadcast(body)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        before = unless_missing(lambda: get_broadcast(connection, workspace_id, key).json())
        saved, created = save_draft(connection, workspace_id, definition, now)
        _audit(connection, who, "save", now, saved, before)
        return JSONBody(_answers(connection, [saved])[0], 201 if created else 200)


@router.get("/{key}", summary="A broadcast: its definition, where it is and its counts")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """`summary.recipients` counts a draft's uploaded recipients so far."""
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(_answers(connection, [get_broadcast(connection, workspace_id, key)])[0])


@router.delete("/{key}", status_code=204, summary="Delete a draft, or a broadcast that is over")
def delete_one(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> Response:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        gone = delete_broadcast(connection, workspace_id, key)
        record(connection, who.workspace, who.actor, "broadcast.delete", now,
               object_type="broadcast", object_id=key, before=gone.json())  # fmt: skip
    return Response(status_code=204)


def _move_route(
    path: str, move: Callable[[Connection, str, str, datetime], Broadcast], summary: str
) -> None:
    @router.post(f"/{{key}}/{path}", summary=summary)
    def change(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> JSONBody:
        return _moved(request, workspace_id, who, key, path, move)


def _moved(
    request: Request,
    workspace_id: str,
    who: Caller,
    key: str,
    action: str,
    move: Callable[[Connection, str, str, datetime], Broadcast],
) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        before = get_broadcast(connection, workspace_id, key).json()
        moved = move(connection, workspace_id, key, now)
        _audit(connection, who, action, now, moved, before)
        answer = _answers(connection, [moved])[0]
    if runtime.processor is not None:
        runtime.processor.wake_journeys()
    return JSONBody(answer)


@router.post("/{key}/send", summary="Send the draft: now, or at its `send` time")
def send(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> JSONBody:
    """Where the workspace requires approval of broadcasts, a marketer's send is a review
    request instead: 202 and the review (baton/api/reviews.py)."""
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        held = send_review(connection, who, key, runtime.clock.now())
        if held is not None:
            return held
    return _moved(request, workspace_id, who, key, "send", start)


_move_route("pause", pause, "Pause: nothing more is queued; unsent messages are held back")
_move_route("resume", resume, "Resume a paused broadcast where it stopped")
_move_route("cancel", cancel, "Cancel: what is not sent yet never will be")


@router.post("/{key}/recipients", summary="Add recipients to an upload audience from a CSV")
def add_recipients(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, body: RecipientsCsv
) -> JSONBody:
    """Each row names a person by the header's column; the answer counts the rows, the
    people added and the rows that matched nobody. Uploads add up."""
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        found = upload_recipients(
            connection, workspace_id, key, body.csv, runtime.settings.default_region
        )
        summary = {"rows": found.rows, "added": found.added, "unknown": found.unknown}
        record(connection, who.workspace, who.actor, "broadcast.recipients",
               runtime.clock.now(), object_type="broadcast", object_id=key,
               detail=summary)  # fmt: skip
    return JSONBody(summary)


@router.get("/{key}/report", summary="Sent, delivered, engagement, goals and lift vs holdout")
def report(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(broadcast_report(connection, get_broadcast(connection, workspace_id, key)))


@router.get("/{key}/why", summary="Why a profile did or did not get the broadcast")
def why(request: Request, workspace_id: AdminWorkspace, key: str, profile_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        found = get_broadcast(connection, workspace_id, key)
        live_id = resolve_profile_id(connection, workspace_id, profile_id[:40])
        return JSONBody(why_broadcast(connection, found, live_id))


def _answers(connection: Connection, found: list[Broadcast]) -> list[dict[str, Any]]:
    """The broadcasts with their `summary` (recipients, sent, delivered), so that a list
    needs no report per item."""
    counts = broadcast_summaries(connection, [b.id for b in found])
    return [{**b.json(), "summary": counts[b.id]} for b in found]


def _audit(
    connection: Connection,
    who: Caller,
    action: str,
    now: datetime,
    after: Broadcast,
    before: dict[str, Any] | None,
) -> None:
    record(connection, who.workspace, who.actor, f"broadcast.{action}", now,
           object_type="broadcast", object_id=after.key, before=before,
           after=after.json())  # fmt: skip
