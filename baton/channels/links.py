"""Signed, expiring links (unsubscribe, and later opens and clicks): the claims travel in
the link, readable but tamper-proof, so a click needs no lookup table."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson

from baton.core.errors import InvalidInput


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()[:18])


def sign_link(secret: str, claims: dict[str, Any], expires: datetime) -> str:
    """A token carrying `claims` (which must name the workspace as `ws`) until `expires`."""
    body = _b64(orjson.dumps({**claims, "exp": int(expires.timestamp())}))
    return f"{body}.{_mac(secret, body)}"


def read_link(
    token: str,
    secrets_of: Callable[[str], Sequence[str]],
    now: datetime,
    *,
    expired_ok: bool = False,
) -> dict[str, Any]:
    """The claims of a token signed with one of its workspace's link secrets (the current
    one, or one replaced less than a grace period ago); InvalidInput when it is malformed,
    forged or (unless `expired_ok`) expired."""
    body, _, mac = token.partition(".")
    try:
        claims = orjson.loads(_unb64(body))
    except (ValueError, orjson.JSONDecodeError):
        raise InvalidInput("this link is not valid") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("ws"), str):
        raise InvalidInput("this link is not valid")
    given = mac.encode()
    if not any(
        hmac.compare_digest(given, _mac(secret, body).encode())
        for secret in secrets_of(claims["ws"])
    ):
        raise InvalidInput("this link is not valid")
    if not isinstance(claims.get("exp"), int):
        raise InvalidInput("this link is not valid")
    if claims["exp"] < now.timestamp() and not expired_ok:
        raise InvalidInput("this link has expired")
    return claims
