"""The Segment HTTP Tracking API: `/v1/{type}`, `/v1/batch`, their analytics.js short paths,
and the settings document browser snippets load at start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from baton.api.auth import runtime_of, write_access, write_key_from_header
from baton.api.backpressure import IngestRates
from baton.api.errors import RejectedBatch
from baton.api.responses import JSONBody
from baton.api.tracking_paths import SHORT_PATHS
from baton.channels import chat_id_trait
from baton.core.errors import BatonError, PayloadTooLarge
from baton.core.metrics import count_ingested, count_refused
from baton.core.tracing import current_traceparent, request_span
from baton.ingest import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    MESSAGE_TYPES,
    ContactGuard,
    decode_body,
    parse_batch,
    parse_message,
)
from baton.runtime import Runtime
from baton.workspaces import Access, identity_secret

router = APIRouter(prefix="/v1", tags=["tracking"])

_MESSAGE_SCHEMA = {
    "type": "object",
    "description": "A Segment message; needs userId or anonymousId.",
    "additionalProperties": True,
    "properties": {
        "userId": {"type": "string"},
        "anonymousId": {"type": "string"},
        "messageId": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "sentAt": {"type": "string", "format": "date-time"},
        "event": {"type": "string"},
        "properties": {"type": "object"},
        "traits": {"type": "object"},
        "context": {"type": "object"},
    },
}
_BATCH_SCHEMA = {
    "type": "object",
    "required": ["batch"],
    "properties": {"batch": {"type": "array", "items": _MESSAGE_SCHEMA, "maxItems": 2500}},
}


async def _ingest(request: Request, message_type: str | None) -> JSONBody:
    runtime = runtime_of(request)
    header_key = write_key_from_header(request)
    rates: IngestRates = request.app.state.ingest_rates
    if header_key is not None:
        access = write_access(request, header_key, None)
        await rates.check(access.workspace_id)  # before reading the body
    if message_type is None:
        limit, limit_name = MAX_BATCH_BYTES, "500 KB per batch request"
    else:
        limit, limit_name = MAX_MESSAGE_BYTES, "32 KB per message"
    raw = await _read_body(request, limit, limit_name)
    encoding = request.headers.get("content-encoding")
    payload, size = decode_body(raw, encoding, limit, limit_name)
    if header_key is None:
        access = write_access(request, None, payload)
        await rates.check(access.workspace_id)
    # Only a browser key's messages need proof; a server key's request skips the lookup.
    guard = await run_in_threadpool(_guard, runtime, access) if access.browser else None
    received_at = runtime.clock.now()
    ip = request.client.host if request.client else None
    if message_type is None:
        messages, rejected = parse_batch(payload, received_at=received_at, ip=ip, guard=guard)
        if rejected and not messages:
            raise RejectedBatch([rejection.as_dict() for rejection in rejected])
    else:
        messages = [
            parse_message(
                payload,
                received_at=received_at,
                ip=ip,
                size=size,
                message_type=message_type,
                guard=guard,
            )
        ]
        rejected = []
    rates.charge(access.workspace_id, len(messages))
    await runtime.writer.store(access.workspace_id, messages, current_traceparent())
    count_ingested(message_type or "batch", len(messages), [r.code for r in rejected])
    body: dict[str, Any] = {"success": True, "accepted": len(messages)}
    if rejected:
        body["rejected"] = [rejection.as_dict() for rejection in rejected]
    return JSONBody(body)


def _guard(runtime: Runtime, access: Access) -> ContactGuard:
    """What a browser key's messages must prove to set contact points."""
    with runtime.engine.connect() as connection:
        return ContactGuard(
            identity_secret(connection, access.workspace_id),
            chat_id_trait(connection, access.workspace_id),
        )


async def _read_body(request: Request, limit: int, limit_name: str) -> bytes:
    """The body, refused as soon as it outgrows the limit instead of after reading it all.

    Compressed bodies get some slack: gzip can make incompressible data slightly larger.
    """
    cap = limit + limit // 8 + 1024
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit_name}")
        chunks.append(chunk)
    return b"".join(chunks)


def _handler(message_type: str | None) -> Callable[[Request], Awaitable[JSONBody]]:
    async def handler(request: Request) -> JSONBody:
        try:
            with request_span(span_name, request.headers, **{"baton.route": route}):
                return await _ingest(request, message_type)
        except BatonError as error:
            if isinstance(error, RejectedBatch):
                count_ingested(route, 0, [str(r["code"]) for r in error.rejected])
            else:
                count_refused(route, error.code)
            raise

    route = message_type or "batch"
    span_name = f"ingest {route}"

    handler.__name__ = f"ingest_{message_type or 'batch'}"
    return handler


for _type in sorted(MESSAGE_TYPES):
    _endpoint = _handler(_type)
    _extra = {"requestBody": {"content": {"application/json": {"schema": _MESSAGE_SCHEMA}}}}
    router.add_api_route(
        f"/{_type}",
        _endpoint,
        methods=["POST"],
        summary=f"Record a {_type} message",
        openapi_extra=_extra,
    )
    router.add_api_route(
        f"/{SHORT_PATHS[_type]}", _endpoint, methods=["POST"], include_in_schema=False
    )
_batch = _handler(None)
router.add_api_route(
    "/batch",
    _batch,
    methods=["POST"],
    summary="Record up to 2,500 messages; invalid ones are reported by index, the rest stored",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": _BATCH_SCHEMA}}}},
)
router.add_api_route("/b", _batch, methods=["POST"], include_in_schema=False)


@router.get("/projects/{write_key}/settings", summary="Settings for analytics.js snippets")
def project_settings(write_key: str, request: Request) -> JSONBody:
    runtime = runtime_of(request)
    write_access(request, write_key, None)
    # From the configuration, never from the request: a Host header is the caller's word.
    scheme, _, rest = runtime.settings.public_base().partition("://")
    api_host = f"{rest}/v1"
    return JSONBody(
        {
            "integrations": {
                "Segment.io": {
                    "apiKey": write_key,
                    "apiHost": api_host,
                    "protocol": scheme,
                    "addBundledMetadata": True,
                    "unbundledIntegrations": [],
                    "maybeBundledConfigIds": {},
                    "versionSettings": {"version": "4.4.7", "componentTypes": ["browser"]},
                }
            },
            "plan": {
                "track": {"__default": {"enabled": True, "integrations": {}}},
                "identify": {"__default": {"enabled": True}},
                "group": {"__default": {"enabled": True}},
            },
            "edgeFunction": {},
            "analyticsNextEnabled": True,
            "middlewareSettings": {},
            "enabledMiddleware": {},
            "metrics": {"sampleRate": 0},
            "legacyVideoPluginsEnabled": False,
            "remotePlugins": [],
        }
    )
