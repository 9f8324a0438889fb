"""Who is calling: a write key (tracking API) or an admin token (admin API)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from baton.api.throttle import FailedAuthentications
from baton.core.errors import Unauthorized
from baton.runtime import Runtime
from baton.workspaces import Access, KeyKind

_T = TypeVar("_T")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def authenticated(request: Request, check: Callable[[], _T]) -> _T:
    """`check()`, which raises Unauthorized for wrong credentials, under the limit on
    failed authentications per client address (baton/api/throttle.py)."""
    failures: FailedAuthentications = request.app.state.failed_authentications
    address = request.client.host if request.client else "unknown"
    failures.check(address)
    try:
        return check()
    except Unauthorized:
        failures.record(address)
        raise


def write_key_from_header(request: Request) -> str | None:
    """The write key from HTTP Basic auth (key as user name, empty password), if sent."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic":
        raise Unauthorized("use HTTP Basic auth with the write key as the user name")
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("the Authorization header is not valid Basic credentials") from None
    return decoded.partition(":")[0]


def write_access(request: Request, key: str | None, payload: Any) -> Access:
    """What the write key in the header, or else in the body's `writeKey`, opens."""
    return authenticated(request, lambda: _write_access(runtime_of(request), key, payload))


def _write_access(runtime: Runtime, key: str | None, payload: Any) -> Access:
    if key is None and isinstance(payload, dict) and isinstance(payload.get("writeKey"), str):
        key = payload["writeKey"]
    if not key:
        raise Unauthorized(
            "a write key is required: HTTP Basic user name or `writeKey` in the body"
        )
    found = runtime.keys.access_for(key, KeyKind.WRITE)
    if found is None:
        raise Unauthorized("the write key is not valid")
    return found


def admin_workspace(request: Request) -> str:
    """The workspace of the admin token in `Authorization: Bearer <token>`."""
    return authenticated(request, lambda: _admin_workspace(request))


def _admin_workspace(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("an admin token is required: `Authorization: Bearer <token>`")
    workspace_id = runtime_of(request).keys.workspace_for(token.strip(), KeyKind.ADMIN)
    if workspace_id is None:
        raise Unauthorized("the admin token is not valid")
    return workspace_id


AdminWorkspace = Annotated[str, Depends(admin_workspace)]


def write_workspace(request: Request) -> str:
    """The workspace of the write key in HTTP Basic auth or the `writeKey` parameter (for
    pages and apps pulling their messages)."""
    key = write_key_from_header(request) or request.query_params.get("writeKey")
    return write_access(request, key, None).workspace_id


WriteWorkspace = Annotated[str, Depends(write_workspace)]
