"""Request bodies: documents (JSON, or YAML when the content type says so) that FastAPI
validates into models, and the profile a body names by one identifier."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, PlainValidator, StrictStr
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.types import Message

from baton.analytics import period_instant
from baton.api.auth import runtime_of
from baton.core.documents import parse_document
from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.core.validation import refuse_nul
from baton.identity import find_profile, resolve_profile_id

EMPTY_BODY = "the body is empty: send a JSON (or YAML) document"
_INSTANT = "give a date or an instant from 1900 to 2999 like 2026-10-01 or 2026-10-01T00:00:00Z"


class DocumentRoute(APIRoute):
    """A route whose body is a document people write: JSON, or YAML when the content type
    says so, with or without a content type (its size is bounded by baton/api/limits.py).
    FastAPI then validates it as JSON into the route's body model."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def read_document_first(request: Request) -> Response:
            return await handler(await _as_json(request))

        return read_document_first


async def _as_json(request: Request) -> Request:
    """The request again, its body the document re-encoded as JSON (empty if it was)."""
    body = await request.body()
    if body.strip():
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise InvalidInput("the body is not UTF-8") from None
        content_type = request.headers.get("content-type", "")
        # YAML parsing is slow pure Python: off the event loop, so other requests go on.
        document = await run_in_threadpool(
            parse_document, text, yaml_allowed="yaml" in content_type
        )
        try:
            # YAML reads dates and whole-number keys: JSON writes them as text.
            body = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError as error:
            raise InvalidInput(f"the body holds what JSON cannot: {error}") from None
        refuse_nul(document)
    else:
        body = b""
    headers = [
        (name, value)
        for name, value in request.scope["headers"]
        if name not in (b"content-type", b"content-length")
    ]
    headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    request.scope["headers"] = headers

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def described_by(model: Any) -> PlainValidator:
    """A body kept as the mapping it is, which OpenAPI describes as `model`: a definition
    the domain parses itself once the route has added what the URL says (its key)."""
    return PlainValidator(_mapping, json_schema_input_type=model)


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object (a mapping)")
    return value


def to_instant(value: Any) -> datetime:
    """A date or an instant a period may start or end at; ValueError otherwise."""
    instant = period_instant(value)
    if instant is None:
        raise ValueError(_INSTANT)
    return instant


def to_duration(value: Any) -> timedelta:
    """A duration like `2h`; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("give a duration like 2h or 3d")
    return parse_duration(value)


Instant = Annotated[datetime, PlainValidator(to_instant, json_schema_input_type=str)]
"""A date or an instant (a date is midnight UTC)."""
Duration = Annotated[timedelta, PlainValidator(to_duration, json_schema_input_type=str)]
"""A duration like `2h`, `3d` or ISO 8601 `PT1H`."""


class ProfileReference(BaseModel):
    """Exactly one identifier of the profile a request is about."""

    profile_id: StrictStr | None = None
    user_id: StrictStr | None = None
    email: StrictStr | None = None
    anonymous_id: StrictStr | None = None
    phone: StrictStr | None = None


_PROFILE_FIELDS = tuple(ProfileReference.model_fields)


def names_profile(reference: ProfileReference) -> bool:
    """Whether the body names a profile at all (a profile may be optional)."""
    return any(getattr(reference, name) is not None for name in _PROFILE_FIELDS)


def profile_of(
    request: Request, connection: Connection, workspace_id: str, reference: ProfileReference
) -> str:
    """The live profile the body names by exactly one identifier."""
    given = [name for name in _PROFILE_FIELDS if getattr(reference, name)]
    if len(given) != 1:
        raise InvalidInput(f"give exactly one of {', '.join(_PROFILE_FIELDS)}", field="user_id")
    (field,) = given
    value: str = getattr(reference, field)
    if field == "profile_id":
        return resolve_profile_id(connection, workspace_id, value)
    region = runtime_of(request).settings.default_region
    found: str = find_profile(connection, workspace_id, value, region)["id"]
    return found


def instant_of(value: Any, name: str) -> datetime:
    """A request's date or instant, or InvalidInput naming `name`."""
    try:
        return to_instant(value)
    except ValueError as error:
        raise InvalidInput(f"{name}: {error}", field=name) from None


def duration_of(value: Any, name: str) -> timedelta:
    """A request's duration (`2h`, `3d`), or InvalidInput naming `name`."""
    try:
        return to_duration(value)
    except ValueError as error:
        raise InvalidInput(f"{name}: {error}", field=name) from None
