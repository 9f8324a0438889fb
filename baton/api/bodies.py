"""Request bodies: documents (JSON, or YAML when the content type says so), and the
profile a body names by one identifier."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import Connection

from baton.api.auth import runtime_of
from baton.core.documents import parse_document
from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.identity.profiles import find_profile, resolve_profile_id
from baton.segments.values import parse_instant

MAX_BODY = 512 * 1024


async def read_document(request: Request, *, required: bool) -> Any:
    """The body's document; {} for an empty body unless `required`."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the body is larger than {MAX_BODY // 1024} KiB")
    if not body.strip():
        if required:
            raise InvalidInput("the body is empty: send a JSON (or YAML) document")
        return {}
    content_type = request.headers.get("content-type", "")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8") from None
    return parse_document(text, yaml_allowed="yaml" in content_type)


async def read_object(request: Request, *, required: bool) -> dict[str, Any]:
    """The body's document, which must be a mapping."""
    found = await read_document(request, required=required)
    if not isinstance(found, dict):
        raise InvalidInput("the body must be a JSON object (a mapping)")
    return found


_PROFILE_FIELDS = ("profile_id", "user_id", "email", "anonymous_id", "phone")


def profile_of(request: Request, connection: Connection, workspace_id: str, body: Any) -> str:
    """The live profile the body names by exactly one identifier."""
    given = [name for name in _PROFILE_FIELDS if body.get(name)]
    if len(given) != 1:
        raise InvalidInput(f"give exactly one of {', '.join(_PROFILE_FIELDS)}", field="user_id")
    (field,) = given
    reference = body[field]
    if not isinstance(reference, str):
        raise InvalidInput(f"{field}: must be a string", field=field)
    if field == "profile_id":
        return resolve_profile_id(connection, workspace_id, reference)
    region = runtime_of(request).settings.default_region
    found: str = find_profile(connection, workspace_id, reference, region)["id"]
    return found


def instant_of(value: Any, name: str) -> datetime:
    """A request's date or instant, or InvalidInput naming `name`."""
    instant = parse_instant(value)
    if instant is None:
        raise InvalidInput(
            f"{name}: give a date or an instant like 2026-10-01 or 2026-10-01T00:00:00Z",
            field=name,
        )
    return instant


def duration_of(value: Any, name: str) -> timedelta:
    """A request's duration (`2h`, `3d`), or InvalidInput naming `name`."""
    try:
        if not isinstance(value, str):
            raise ValueError("give a duration like 2h or 3d")
        return parse_duration(value)
    except ValueError as error:
        raise InvalidInput(f"{name}: {error}", field=name) from None
