"""The browser script pages load from `/sdk/baton.js`: shipped in this package, read
once per process."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SDK_PATH = Path(__file__).with_name("baton.js")


@dataclass(frozen=True)
class Script:
    body: bytes
    etag: str


@cache
def sdk_script() -> Script:
    body = SDK_PATH.read_bytes()
    return Script(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
