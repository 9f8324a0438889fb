from __future__ import annotations

import gzip
import zlib

import pytest

from baton.core.errors import InvalidInput, PayloadTooLarge
from baton.ingest import decode_body


def test_plain_and_gzip_bodies() -> None:
    assert decode_body(b'{"a": 1}', None, 100, "x").payload == {"a": 1}
    decoded = decode_body(gzip.compress(b'{"a": 2}'), "gzip", 100, "x")
    assert decoded == ({"a": 2}, 8)
    assert decode_body(zlib.compress(b'{"a": 3}'), "deflate", 100, "x").payload == {"a": 3}


def test_gzip_bomb_is_refused_without_inflating_it_all() -> None:
    bomb = gzip.compress(b"[" + b"0," * 5_000_000 + b"0]")
    with pytest.raises(PayloadTooLarge, match="500 KB per batch request"):
        decode_body(bomb, "gzip", 500 * 1024, "500 KB per batch request")


def test_plain_body_over_the_limit() -> None:
    with pytest.raises(PayloadTooLarge, match="32 KB per message"):
        decode_body(b" " * 40_000 + b"{}", None, 32 * 1024, "32 KB per message")


@pytest.mark.parametrize(
    ("raw", "encoding", "message"),
    [
        (b"{nope", None, "not valid JSON"),
        (b"", None, "empty"),
        (b"\x1f\x8b garbage", "gzip", "decompressed"),
        (gzip.compress(b'{"a": 1}', mtime=0)[:-6], "gzip", "truncated"),
        (b"{}", "br", "Content-Encoding"),
    ],
)
def test_bad_bodies(raw: bytes, encoding: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        decode_body(raw, encoding, 1000, "x")
