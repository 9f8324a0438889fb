"""Every route of the OpenAPI document against every role: each route has an access
decision (baton/api/permissions.py), the app enforces it, and a role is refused exactly
the routes its permissions do not cover."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Engine

from baton.api import create_app
from baton.api.auth import Staff, caller
from baton.api.callers import Caller, Gate
from baton.api.permissions import ROUTES, access_to
from baton.core.clock import ManualClock
from baton.core.errors import Forbidden
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.teams import Permission, Role, may
from baton.workspaces import KeyKind, create_key
from tests.api.test_profiles import bearer
from tests.conftest import Workspace

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path and context.include_in_schema:
            for method in sorted((context.methods or set()) - {"HEAD"}):
                yield method, context.path, route


def _checks_the_caller(route: APIRoute) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call is caller:
            return True
        pending += dependency.dependencies
    return False


def undecided(app: FastAPI) -> list[str]:
    """Routes with no decision, or whose decision the app does not enforce."""
    faults = []
    for method, path, route in _routes(app):
        decision = ROUTES.get((method, path))
        if decision is None:
            faults.append(f"{method} {path}: no access decision in baton/api/permissions.py")
        elif (decision is Gate.PUBLIC) == _checks_the_caller(route):
            faults.append(f"{method} {path}: {decision} but it does not check its caller as such")
    return faults


@pytest.fixture(scope="module")
def app(server: tuple[str, Runtime]) -> FastAPI:
    return create_app(server[1])


def test_every_route_has_an_enforced_decision(app: FastAPI) -> None:
    assert undecided(app) == []
    listed = {(method, path) for method, path, _ in _routes(app)}
    assert set(ROUTES) - listed == set(), "decisions for routes that no longer exist"


def test_a_route_added_without_a_decision_is_caught_and_refused(app: FastAPI) -> None:
    @app.get("/api/v1/undecided")
    def undecided_route(who: Staff) -> dict[str, str]:
        return {"who": who.actor_id}

    try:
        assert undecided(app) == [
            "GET /api/v1/undecided: no access decision in baton/api/permissions.py"
        ]
    finally:
        app.router.routes.pop()
    owner = Caller("key", "key_1", "an owner's key", "127.0.0.1", "ws_1", Role.OWNER)
    with pytest.raises(Forbidden, match="no access decision"):
        owner.entitled_to(access_to("GET", "/api/v1/undecided"))


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "nothing-here", path)


@pytest.fixture
def keys_by_role(engine: Engine, clock: ManualClock, workspace: Workspace) -> dict[Role, str]:
    with write_transaction(engine) as connection:
        return {
            role: create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=role)
            for role in Role
        }


def test_each_role_is_refused_exactly_what_its_permissions_leave_out(
    client: httpx.Client, app: FastAPI, keys_by_role: dict[Role, str]
) -> None:
    wrong = []
    for method, path, _ in _routes(app):
        decision = ROUTES[(method, path)]
        if decision is Gate.PUBLIC:
            continue
        for role, key in keys_by_role.items():
            body: dict[str, object] | None = (
                {} if method in _WRITES and method != "DELETE" else None
            )
            status, text = _answer(client, method, _filled(path), bearer(key), body)
            if isinstance(decision, Permission):
                allowed = may(role, decision)
            else:  # a key is in its workspace, never the installation's owner
                allowed = decision is Gate.SIGNED_IN
            if (status == 403) == allowed:
                wrong.append(f"{role} {method} {path}: {status} {text[:120]}")
    assert wrong == []


def _answer(
    client: httpx.Client,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, object] | None,
) -> tuple[int, str]:
    """The status and body of an answer; of a stream of server-sent events, which ends
    only minutes later, the status alone."""
    with client.stream(method, path, headers=headers, json=body) as answer:
        if answer.headers.get("content-type", "").startswith("text/event-stream"):
            return answer.status_code, ""
        answer.read()
        return answer.status_code, answer.text


def test_without_credentials_every_guarded_route_answers_401(
    client: httpx.Client, app: FastAPI
) -> None:
    wrong = [
        f"{method} {path}: {answer.status_code}"
        for method, path, _ in _routes(app)
        if ROUTES[(method, path)] is not Gate.PUBLIC
        and (answer := client.request(method, _filled(path))).status_code != 401
    ]
    assert wrong == []


def test_a_viewer_reads_definitions_and_reports_but_no_personal_data() -> None:
    personal = {path for (_, path), gate in ROUTES.items() if gate is Permission.READ_PROFILES}
    assert "/api/v1/profiles/{profile_id}" in personal
    assert "/api/v1/messages" in personal
    assert may(Role.VIEWER, Permission.READ_REPORTS)
    assert may(Role.VIEWER, Permission.READ_DEFINITIONS)
    assert not may(Role.VIEWER, Permission.READ_PROFILES)
    assert not may(Role.ADMIN, Permission.DELETE_WORKSPACE)
    assert may(Role.OWNER, Permission.DELETE_WORKSPACE)
