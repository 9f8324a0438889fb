"""Request bodies holding a document: JSON, or YAML when the content type says so."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from baton.core.documents import parse_document
from baton.core.errors import InvalidInput

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
