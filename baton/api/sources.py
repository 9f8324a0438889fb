"""Sources: the admin API that sets them up (signing secrets are write-only) and the
public webhook other systems post to (baton/sources)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, JsonValue
from starlette.concurrency import run_in_threadpool

from baton.api.auth import AdminWorkspace, Staff, authenticated, runtime_of
from baton.api.backpressure import WEBHOOK_ROUTE, IngestRates
from baton.api.bodies import DocumentRoute, described_by
from baton.api.responses import JSONBody
from baton.core.errors import BatonError, InvalidInput, NotFound, Unauthorized
from baton.core.formats import iso_instant
from baton.core.metrics import count_ingested, count_refused
from baton.ingest import Message
from baton.runtime import Runtime
from baton.sources import (
    DESCRIPTIONS,
    Delivery,
    Mapped,
    Saved,
    Source,
    apply_replies,
    delete_source,
    find_source,
    get_source,
    list_sources,
    lower_headers,
    map_payload,
    messages_of,
    parse_saved,
    read_delivery,
    record_delivery,
    save_source,
    twilio,
    webhook_path,
)
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1", tags=["sources"], route_class=DocumentRoute)
webhook_router = APIRouter(prefix="/v1", tags=["sources"])

Definition = Annotated[dict[str, Any], described_by(Saved)]


class Sample(BaseModel):
    """A payload to map as if the source had received it (a Twilio payload is its form
    fields), with the headers the mapping reads (`X-Shopify-Topic`)."""

    payload: JsonValue
    headers: dict[str, str] = Field(default_factory=dict, max_length=50)


@router.get("/sources", summary="The workspace's sources with their delivery counts")
def list_all(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = list_sources(connection, workspace_id)
    return JSONBody({"items": [_with_url(runtime, item) for item in found]})


@router.get("/sources/presets", summary="The presets: what each verifies and maps")
def presets(_: AdminWorkspace) -> JSONBody:
    return JSONBody({"items": DESCRIPTIONS})


@router.put("/sources/{source_key}", summary="Create or replace a source")
def put(
    request: Request, workspace_id: AdminWorkspace, who: Staff, source_key: str, body: Definition
) -> JSONBody:
    """The key is part of the public webhook URL, unique across the installation (409 when
    another workspace holds it). `secret` is write-only: left out, the stored one stays."""
    saved = parse_saved(body)
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        before, after = save_source(connection, workspace_id, source_key, saved, now)
        record(
            connection,
            workspace_id,
            who.actor,
            "source.save",
            now,
            object_type="source",
            object_id=source_key,
            before=before,
            after=after,
            detail={"secret_replaced": saved.secret is not None},
        )
    return JSONBody(_with_url(runtime, after), 201 if before is None else 200)


@router.get("/sources/{source_key}", summary="A source, its counts and its last error")
def get(request: Request, workspace_id: AdminWorkspace, source_key: str) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        return JSONBody(_with_url(runtime, get_source(connection, workspace_id, source_key)))


@router.delete("/sources/{source_key}", status_code=204, summary="Delete a source")
def delete(request: Request, workspace_id: AdminWorkspace, who: Staff, source_key: str) -> Response:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        before = delete_source(connection, workspace_id, source_key)
        record(
            connection,
            workspace_id,
            who.actor,
            "source.delete",
            now,
            object_type="source",
            object_id=source_key,
            before=before,
        )
    return Response(status_code=204)


@router.post("/sources/{source_key}/test", summary="Map a sample payload; nothing is stored")
def test(request: Request, workspace_id: AdminWorkspace, source_key: str, body: Sample) -> JSONBody:
    """The events and identities the source would make of the payload, signature aside."""
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        source = find_source(connection, source_key)
    if source is None or source.workspace_id != workspace_id:
        raise NotFound(f"no source {source_key!r}")
    raw = orjson.dumps(body.payload)
    delivery = Delivery(_url(runtime, source_key), lower_headers(body.headers), raw)
    mapped = map_payload(source, body.payload, delivery)
    messages = messages_of(mapped, runtime.clock.now())
    return JSONBody(
        {
            "events": [_event(message) for message in messages],
            "replies": [
                {"from": r.sender, "body": r.body, "whatsapp": r.whatsapp} for r in mapped.replies
            ],
        }
    )


# Read by hand: the signature covers the raw bytes, and each preset has its own shape.
_ANY_PAYLOAD = {
    "requestBody": {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
        }
    }
}


@webhook_router.post(
    "/sources/{source_key}/webhook",
    summary="Another system's webhook",
    openapi_extra=_ANY_PAYLOAD,
)
async def webhook(request: Request, source_key: str) -> Response:
    """Verified with the source's secret over the raw body (401 otherwise), then mapped
    into events stored like the tracking API's; the provider's id of each delivery is its
    message id, so a retry is stored once."""
    try:
        return await _webhook(request, source_key)
    except BatonError as error:
        count_refused(WEBHOOK_ROUTE, error.code)
        raise


async def _webhook(request: Request, source_key: str) -> Response:
    runtime = runtime_of(request)
    source = await run_in_threadpool(_find, runtime, source_key)
    if source is None:
        raise NotFound("no such source")
    rates: IngestRates = request.app.state.ingest_rates
    await rates.check(source.workspace_id)  # before reading the body
    url = _url(runtime, source_key)
    if request.url.query:
        url += f"?{request.url.query}"
    delivery = Delivery(url, dict(request.headers), await request.body())
    now = runtime.clock.now()
    try:
        # Failed signatures count toward the caller's limit: past it, a 429 before any
        # work (or write of the rejection).
        mapped = authenticated(request, lambda: read_delivery(source, delivery, now))
        messages = messages_of(mapped, now)
    except (Unauthorized, InvalidInput) as error:
        await run_in_threadpool(_count, runtime, source_key, now, error.message)
        raise
    rates.charge(source.workspace_id, len(messages))
    await accept(runtime, source.workspace_id, mapped, messages, source.definition.default_region)
    count_ingested(WEBHOOK_ROUTE, len(messages))
    await run_in_threadpool(_count, runtime, source_key, now, None)
    if source.definition.preset == "twilio":
        return empty_twiml()
    return JSONBody({"success": True, "accepted": len(messages)})


def empty_twiml() -> Response:
    """How a Twilio webhook is acknowledged: TwiML that does nothing."""
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
        media_type="application/xml",
    )


async def receive_text(
    runtime: Runtime, workspace_id: str, form: dict[str, str], default_region: str
) -> None:
    """An inbound SMS or WhatsApp message whose signature was checked: the Twilio preset's
    events and keywords, for the SMS channel's own callback too."""
    mapped = twilio(form)
    await accept(
        runtime, workspace_id, mapped, messages_of(mapped, runtime.clock.now()), default_region
    )


async def accept(
    runtime: Runtime,
    workspace_id: str,
    mapped: Mapped,
    messages: list[Message],
    default_region: str,
) -> None:
    """Store the events through the tracking API's writer (identity, segments and
    journeys follow), then apply the keywords of the replies this delivery stored: a
    provider's retry or replay stores nothing twice and changes no consent again."""
    await runtime.writer.store(workspace_id, messages)
    if mapped.replies:
        await run_in_threadpool(_replies, runtime, workspace_id, mapped, messages, default_region)


def _replies(
    runtime: Runtime,
    workspace_id: str,
    mapped: Mapped,
    messages: list[Message],
    default_region: str,
) -> None:
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        apply_replies(connection, workspace_id, mapped.replies, messages, default_region, now)


def _find(runtime: Runtime, key: str) -> Source | None:
    with runtime.engine.connect() as connection:
        return find_source(connection, key)


def _count(runtime: Runtime, key: str, now: datetime, error: str | None) -> None:
    with write_transaction(runtime.engine) as connection:
        record_delivery(connection, key, now, error)


def _url(runtime: Runtime, key: str) -> str:
    """The webhook's URL as its sender knows it: from the configuration, never from the
    request (a Host header is the caller's word)."""
    return runtime.settings.public_base() + webhook_path(key)


def _with_url(runtime: Runtime, shown: dict[str, Any]) -> dict[str, Any]:
    return {**shown, "url": _url(runtime, shown["key"])}


def _event(message: Message) -> dict[str, Any]:
    context = message.context
    return {
        "event": message.event,
        "messageId": message.message_id,
        "userId": message.user_id,
        "anonymousId": message.anonymous_id,
        "timestamp": iso_instant(message.timestamp),
        "properties": message.properties,
        "identities": {
            **(context.get("traits") or {}),
            **{e["type"]: e["id"] for e in context.get("externalIds", [])},
        },
    }
