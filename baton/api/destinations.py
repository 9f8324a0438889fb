"""Admin API for destinations (webhooks, audiences, CRM sync; secrets write-only), their
deliveries and replays, and a segment's audience file for ad platforms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.destinations import (
    REPLAY_LIMIT,
    AudienceFormat,
    Destination,
    audience_lines,
    delete_destination,
    deliveries,
    find_destination,
    get_destination,
    list_destinations,
    masked,
    parse_settings,
    replay,
    save_destination,
    send_test,
)
from baton.destinations.settings import AudienceSettings, CrmSettings, WebhookDestinationSettings
from baton.segments import Kind, get_definition
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1", tags=["destinations"], route_class=DocumentRoute)
Body = Annotated[
    dict[str, Any], described_by(WebhookDestinationSettings | CrmSettings | AudienceSettings)
]
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, max_length=REPLAY_LIMIT
    )


def _json(found: Destination) -> dict[str, Any]:
    return {
        "key": found.key,
        "kind": found.settings.kind,
        "settings": masked(found.settings),
        "next_run_at": iso_instant(found.next_run_at),
        "last_run": found.last_run,
        "created_at": iso_instant(found.created_at),
        "updated_at": iso_instant(found.updated_at),
    }


@router.get("/destinations", summary="Every destination, secrets masked")
def list_all(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        found = list_destinations(connection, workspace_id)
    return JSONBody({"items": [_json(d) for d in found]})


@router.put("/destinations/{key}", summary="Create or replace a destination")
def put_destination(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, body: Body
) -> JSONBody:
    """`kind` is `webhook` (the default), `crm` or `audience`; a secret left out (or sent
    back masked) keeps its stored value while the URL stays the same."""
    if not _KEY.match(key):
        raise InvalidInput("a key is lower-case letters, digits, - and _", field="key")
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        stored = find_destination(connection, workspace_id, key)
        settings = parse_settings(body, None if stored is None else stored.settings)
        saved = save_destination(connection, workspace_id, key, settings, now)
        record(connection, workspace_id, who.actor, "destination.save", now,
               object_type="destination", object_id=key,
               before=None if stored is None else masked(stored.settings),
               after=masked(saved.settings))  # fmt: skip
    return JSONBody(_json(saved))


@router.get("/destinations/{key}", summary="A destination, secrets masked")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(_json(get_destination(connection, workspace_id, key)))


@router.delete("/destinations/{key}", status_code=204, summary="Delete a destination")
def delete_one(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> None:
    """What it had yet to send is dropped with it."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        stored = get_destination(connection, workspace_id, key)
        delete_destination(connection, workspace_id, key, now)
        record(connection, workspace_id, who.actor, "destination.delete", now,
               object_type="destination", object_id=key,
               before=masked(stored.settings))  # fmt: skip


@router.post("/destinations/{key}/test", summary="Send one request now and show the answer")
def test_send(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = get_destination(connection, workspace_id, key)
    result = send_test(runtime.engine, found, runtime.settings.default_region, runtime.clock.now())
    with write_transaction(runtime.engine) as connection:
        record(connection, workspace_id, who.actor, "destination.test", runtime.clock.now(),
               object_type="destination", object_id=key,
               detail={"status": result["status"]})  # fmt: skip
    return JSONBody(result)


@router.get("/destinations/{key}/deliveries", summary="Its deliveries, newest first, in pages")
def list_deliveries(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    status: Literal["pending", "delivered", "dead"] | None = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        found = get_destination(connection, workspace_id, key)
        page = deliveries(connection, found, status, after, limit)
    items = [
        {
            "id": row["id"],
            "status": row["status"],
            "attempts": row["attempts"],
            "items": row["items"],
            "next_at": iso_instant(row["next_at"]),
            "last_error": row["last_error"],
            "created_at": iso_instant(row["created_at"]),
            "delivered_at": iso_instant(row["delivered_at"]),
        }
        for row in page.items
    ]
    return JSONBody(page_json(items, page.after))


@router.post("/destinations/{key}/replay", summary="Send dead deliveries again")
def replay_dead(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, body: Replay
) -> JSONBody:
    """Every dead delivery, or those of `ids`; each keeps its id (its `webhook-id`)."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        found = get_destination(connection, workspace_id, key)
        count = replay(connection, found, body.ids, now)
        record(connection, workspace_id, who.actor, "destination.replay", now,
               object_type="destination", object_id=key,
               detail={"replayed": count, "ids": body.ids})  # fmt: skip
    return JSONBody({"replayed": count})


@router.get("/segments/{ref}/audience", summary="The segment as an ad platform's audience file")
def audience(
    request: Request,
    workspace_id: AdminWorkspace,
    who: Staff,
    ref: str,
    format: Annotated[AudienceFormat, Query()],
) -> StreamingResponse:
    """CSV of SHA-256-hashed, normalized e-mails and phones in the columns `format`'s
    platform documents (docs/destinations.md); streamed. The export is audited."""
    runtime = runtime_of(request)
    region = runtime.settings.default_region
    with write_transaction(runtime.engine) as connection:
        segment = get_definition(connection, workspace_id, Kind.SEGMENT, ref)
        record(connection, workspace_id, who.actor, "segment.audience_export",
               runtime.clock.now(), object_type="segment", object_id=segment.key,
               detail={"format": format.value})  # fmt: skip
    engine = runtime.engine

    def lines() -> Iterator[bytes]:
        with engine.connect() as connection:
            for line in audience_lines(connection, workspace_id, segment.id, format, region):
                yield line.encode()

    name = re.sub(r"[^A-Za-z0-9_.-]", "_", segment.key)
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{format.value}.csv"'},
    )
