"""Signing in and out of the console, and one's own account: `/api/v1/auth/*`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.responses import Response

from baton.api.auth import SESSION_COOKIE, Staff, authenticated, client_address, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.callers import Caller
from baton.api.responses import JSONBody
from baton.api.throttle import FailedAuthentications
from baton.core.errors import Forbidden, InvalidInput, Unauthorized
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.teams import (
    PERMISSIONS,
    Membership,
    Role,
    User,
    authenticate,
    close_sessions_of,
    csrf_token_for,
    end_session,
    first_membership,
    memberships_of,
    open_session,
    role_in,
    set_password,
    switch_workspace,
    user_by_email,
)
from baton.teams.audit import Actor, record
from baton.workspaces.workspaces import workspace_by_key

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=DocumentRoute)

# What people type into sign-in forms, bounded.
Email = Annotated[str, Field(min_length=1, max_length=320)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class Login(BaseModel):
    email: Email
    password: Password


@router.post("/login", summary="Sign in: sets the session cookie, returns the CSRF token")
def login(request: Request, body: Login) -> Response:
    runtime = runtime_of(request)
    address = client_address(request)
    now = runtime.clock.now()
    try:
        user = _password_checked(request, body.email, body.password)
    except Unauthorized:
        with write_transaction(runtime.engine) as connection:
            # What was typed is not kept (it may be a password): only an account's address.
            known = user_by_email(connection, body.email.strip().lower())
            actor = (
                Actor("user", None, None, address)
                if known is None
                else Actor("user", known.id, known.email, address)
            )
            record(connection, None, actor, "login.failed", now)
        raise
    with write_transaction(runtime.engine) as connection:
        token = begin_session(connection, request, user, None, now)
    return signed_in(request, runtime, user, token)


def begin_session(
    connection: Connection,
    request: Request,
    user: User,
    workspace_id: str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> str:
    """A signed-in session's token, working in `workspace_id` or else the person's first
    workspace; the login is audited."""
    address = client_address(request)
    if workspace_id is None:
        first = first_membership(connection, user.id)
        workspace_id = None if first is None else first.workspace_id
    token = open_session(
        connection,
        user.id,
        workspace_id,
        now,
        address=address,
        user_agent=request.headers.get("user-agent"),
    )
    record(connection, None, Actor("user", user.id, user.email, address), "login", now,
           detail=detail)  # fmt: skip
    return token


def _password_checked(request: Request, email: str, password: str) -> User:
    """The account whose password this is; Unauthorized otherwise. Failures count
    against the client address (`authenticated`) and the account, and past either limit
    the password is not even looked at (429)."""
    by_account: FailedAuthentications = request.app.state.failed_logins
    account = email.strip().lower()

    def check() -> User:
        by_account.check(account)
        with runtime_of(request).engine.connect() as connection:
            user = authenticate(connection, account, password)
        if user is None:
            by_account.record(account)
            raise Unauthorized("the e-mail address or the password is wrong")
        return user

    return authenticated(request, check)


def signed_in(request: Request, runtime: Runtime, user: User, token: str) -> Response:
    """The answer to a successful sign-in, by password or single sign-on: the session
    cookie, and the account with the CSRF token its changes must carry."""
    with runtime.engine.connect() as connection:
        body = _account(connection, user, None)
    response = JSONBody({**body, "csrf_token": csrf_token_for(token)})
    set_session_cookie(request, runtime, response, token)
    return response


def set_session_cookie(request: Request, runtime: Runtime, response: Response, token: str) -> None:
    secure = runtime.settings.public_base().startswith("https://") or request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(runtime.settings.session_lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


@router.post("/logout", summary="Sign out this browser")
def logout(request: Request, who: Staff) -> Response:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        if who.session_id is not None:
            end_session(connection, who.session_id)
        record(connection, None, who.actor, "logout", runtime.clock.now())
    return signed_out()


def signed_out() -> Response:
    """The answer that makes the browser forget its session cookie."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", summary="Who is signed in, their workspaces and roles")
def me(request: Request, who: Staff) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        body = _account(connection, who.user, who)
    token = request.cookies.get(SESSION_COOKIE)
    if who.session_id is not None and token:
        body["csrf_token"] = csrf_token_for(token)
    return JSONBody(body)


class WorkspaceChoice(BaseModel):
    workspace: Annotated[str, Field(min_length=1, max_length=64, description="key or id")]


@router.post("/workspace", summary="Work in another of one's workspaces from now on")
def choose_workspace(request: Request, who: Staff, body: WorkspaceChoice) -> JSONBody:
    if who.user is None or who.session_id is None:
        raise InvalidInput("an admin key belongs to one workspace: it cannot switch")
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        found = workspace_by_key(connection, body.workspace)
        if found is None or role_in(connection, who.user.id, found.id) is None:
            raise Forbidden(f"you are not a member of the workspace {body.workspace!r}")
        switch_workspace(connection, who.session_id, found.id)
    with runtime.engine.connect() as connection:
        return JSONBody(_account(connection, who.user, None, found.id))


class PasswordChange(BaseModel):
    current_password: Password
    new_password: Password


@router.post("/password", summary="Change one's password; signs out every other session")
def change_password(request: Request, who: Staff, body: PasswordChange) -> Response:
    if who.user is None:
        raise InvalidInput("an admin key has no password")
    runtime = runtime_of(request)
    try:
        _password_checked(request, who.user.email, body.current_password)
    except Unauthorized:
        raise Unauthorized("the current password is wrong", field="current_password") from None
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        set_password(connection, who.user.id, body.new_password, now)
        close_sessions_of(connection, who.user.id)
        token = open_session(
            connection,
            who.user.id,
            who.workspace_id,
            now,
            address=who.address,
            user_agent=request.headers.get("user-agent"),
        )
        record(connection, None, who.actor, "user.password_changed", now,
               object_type="user", object_id=who.user.id)  # fmt: skip
    return signed_in(request, runtime, who.user, token)


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "installation_owner": user.installation_owner,
    }


def _account(
    connection: Connection, user: User | None, who: Caller | None, workspace_id: str | None = None
) -> dict[str, Any]:
    if user is None:  # an admin key
        assert who is not None
        return {
            "user": None,
            "key": {"id": who.actor_id, "role": who.role},
            "workspace": {
                "id": who.workspace_id,
                "role": who.role,
                "permissions": _permissions(who.role),
            },
            "workspaces": [],
        }
    workspaces = memberships_of(connection, user.id)
    current = workspace_id or (who.workspace_id if who else None)
    chosen = next((m for m in workspaces if m.workspace_id == current), None)
    chosen = chosen or next(iter(workspaces), None)
    return {
        "user": user_json(user),
        "workspace": None if chosen is None else _membership_json(chosen),
        "workspaces": [_membership_json(m) for m in workspaces],
    }


def _membership_json(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.workspace_id,
        "key": membership.workspace_key,
        "name": membership.workspace_name,
        "role": membership.role,
        "permissions": _permissions(membership.role),
    }


def _permissions(role: Role | None) -> list[str]:
    """What the role may do, for the console to offer only that."""
    return [] if role is None else sorted(PERMISSIONS[role])
