"""Request bodies as clients send them: JSON, possibly gzip-compressed, any content type."""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

import orjson

from baton.core.errors import InvalidInput, PayloadTooLarge


class DecodedBody(NamedTuple):
    payload: Any
    size: int  # bytes of JSON, after decompression


def decode_body(
    raw: bytes, content_encoding: str | None, max_bytes: int, limit_name: str
) -> DecodedBody:
    """Parse a JSON body, inflating gzip first; never inflates past `max_bytes`.

    analytics.js posts `text/plain` to avoid CORS preflight, so the content type is not
    trusted to say whether the body is JSON: it always must be. `limit_name` names the
    limit in errors, e.g. "32 KB per message".
    """
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        raw = _inflate(raw, max_bytes, limit_name, gzip=encoding != "deflate")
    elif encoding not in ("", "identity"):
        raise InvalidInput(f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"request body is {len(raw)} bytes; the limit is {limit_name}")
    if not raw.strip():
        raise InvalidInput("request body is empty; send a JSON object")
    try:
        return DecodedBody(orjson.loads(raw), len(raw))
    except orjson.JSONDecodeError as error:
        raise InvalidInput(f"request body is not valid JSON: {error}") from None


def _inflate(raw: bytes, max_bytes: int, limit_name: str, *, gzip: bool) -> bytes:
    inflater = zlib.decompressobj(wbits=31 if gzip else 15)
    try:
        data = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as error:
        raise InvalidInput(f"request body could not be decompressed: {error}") from None
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"decompressed request body exceeds the limit of {limit_name}")
    if not inflater.eof:
        raise InvalidInput("request body is a truncated compressed stream")
    return data
