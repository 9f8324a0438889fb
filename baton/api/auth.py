"""Who is calling: a write key (tracking API), or an admin key or a signed-in person
(admin API) whose role allows the route."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from baton.api.callers import Caller, key_identity, scraper_identity, session_identity
from baton.api.permissions import access_to
from baton.api.throttle import FailedAuthentications
from baton.core.errors import Forbidden, Unauthorized
from baton.core.logging import add_log_fields
from baton.runtime import Runtime
from baton.teams import csrf_matches
from baton.workspaces import Access, KeyKind

_T = TypeVar("_T")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def authenticated(request: Request, check: Callable[[], _T]) -> _T:
    """`check()`, which raises Unauthorized for wrong credentials, under the limit on
    failed authentications per client address (baton/api/throttle.py)."""
    failures: FailedAuthentications = request.app.state.failed_authentications
    address = client_address(request)
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


SESSION_COOKIE = "baton_session"
CSRF_HEADER = "X-CSRF-Token"
WORKSPACE_HEADER = "X-Baton-Workspace"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def identify(request: Request) -> Caller:
    """Who is calling the admin API, from `Authorization: Bearer <admin key>` or the
    session cookie (whose changes must carry the CSRF token); Unauthorized otherwise.
    Answered once per request."""
    known: Caller | None = getattr(request.state, "identity", None)
    if known is None:
        if "authorization" not in request.headers and not request.cookies.get(SESSION_COOKIE):
            # Nothing guessed, nothing to limit: a signed-out console asks this on each load.
            raise Unauthorized(
                "sign in (POST /api/v1/auth/login) or send an admin key: "
                "`Authorization: Bearer <key>`"
            )
        known = authenticated(request, lambda: _identify(request))
        request.state.identity = known
    return known


def _identify(request: Request) -> Caller:
    runtime = runtime_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("an admin key is required: `Authorization: Bearer <key>`")
        scraping = runtime.settings.metrics_token
        if scraping and hmac.compare_digest(token.strip().encode(), scraping.encode()):
            return scraper_identity(client_address(request))
        access = runtime.keys.access_for(token.strip(), KeyKind.ADMIN)
        if access is None:
            raise Unauthorized("the admin key is not valid")
        return key_identity(
            runtime, access, request.headers.get(WORKSPACE_HEADER), client_address(request)
        )
    cookie = request.cookies[SESSION_COOKIE]
    found = session_identity(
        runtime, cookie, request.headers.get(WORKSPACE_HEADER), client_address(request)
    )
    if found is None:
        raise Unauthorized("the session has ended: sign in again")
    if request.method not in _SAFE_METHODS and not csrf_matches(
        cookie, request.headers.get(CSRF_HEADER)
    ):
        raise Forbidden(
            f"a change made with a session cookie must carry the {CSRF_HEADER} header "
            "that login returned"
        )
    return found


def caller(request: Request, identity: Annotated[Caller, Depends(identify)]) -> Caller:
    """The caller, allowed by its role to use this route (baton/api/permissions.py)."""
    route = request.scope.get("route")
    gate = access_to(request.method, getattr(route, "path", ""))
    add_log_fields(actor=f"{identity.actor_type}:{identity.actor_id}")
    if identity.workspace_id is not None:
        add_log_fields(workspace=identity.workspace_id)
    return identity.entitled_to(gate)


Staff = Annotated[Caller, Depends(caller)]


def admin_workspace(who: Staff) -> str:
    """The workspace the allowed caller works in."""
    return who.workspace


AdminWorkspace = Annotated[str, Depends(admin_workspace)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def write_workspace(request: Request) -> str:
    """The workspace of the write key in HTTP Basic auth or the `writeKey` parameter (for
    pages and apps pulling their messages)."""
    key = write_key_from_header(request) or request.query_params.get("writeKey")
    return write_access(request, key, None).workspace_id


WriteWorkspace = Annotated[str, Depends(write_workspace)]
