"""Console sign-in: the session cookie, CSRF, throttling per account and per address,
idle and absolute expiry, workspaces and roles, password changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log
from baton.teams import PERMISSIONS, Role, create_user, grant, user_by_email
from baton.workspaces import create_workspace
from tests.conftest import Workspace, serve_in_thread

PASSWORD = "correct horse battery staple"


def make_user(engine: Engine, clock: ManualClock, workspace_id: str, role: Role, email: str) -> str:
    with write_transaction(engine) as connection:
        user = create_user(connection, email, "", clock.now(), password=PASSWORD)
        grant(connection, workspace_id, user.id, role, clock.now())
    return user.id


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    """Signs in; the client keeps the cookie. Returns the CSRF token."""
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    return token


@pytest.fixture
def person(engine: Engine, clock: ManualClock, workspace: Workspace) -> str:
    email = f"{workspace.id}@example.com"
    make_user(engine, clock, workspace.id, Role.MARKETER, email)
    return email


def test_login_sets_a_guarded_cookie_and_answers_the_user_and_csrf_token(
    client: httpx.Client, person: str, workspace: Workspace
) -> None:
    answer = client.post("/api/v1/auth/login", json={"email": person.upper(), "password": PASSWORD})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("baton_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    body = answer.json()
    assert body["user"]["email"] == person
    assert body["workspace"] == {
        "id": workspace.id, "key": body["workspace"]["key"], "name": "test", "role": "marketer",
        # What the console offers: a marketer edits and publishes, but manages no one.
        "permissions": sorted(PERMISSIONS[Role.MARKETER]),
    }  # fmt: skip
    assert "publish" in body["workspace"]["permissions"]
    assert "manage_users" not in body["workspace"]["permissions"]
    assert len(body["csrf_token"]) >= 32
    me = client.get("/api/v1/auth/me").json()
    assert me["user"]["email"] == person
    assert me["csrf_token"] == body["csrf_token"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_401(
    client: httpx.Client, person: str
) -> None:
    wrong = client.post("/api/v1/auth/login", json={"email": person, "password": "x" * 20})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers


def test_a_cookie_change_needs_the_csrf_token(client: httpx.Client, person: str) -> None:
    csrf = sign_in(client, person)
    journey = {
        "name": "CSRF",
        "trigger": {"api": True},
        "start": "hello",
        "nodes": {"hello": {"type": "message", "channel": "email", "template": "hello"}},
    }
    assert client.get("/api/v1/journeys").status_code == 200
    refused = client.put("/api/v1/journeys/csrf", json=journey)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["error"]["message"]
    wrong = client.put("/api/v1/journeys/csrf", json=journey, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    done = client.put("/api/v1/journeys/csrf", json=journey, headers={"X-CSRF-Token": csrf})
    assert done.status_code in (200, 201), done.text


def test_the_role_decides_and_a_marketer_may_not_change_the_policy(
    client: httpx.Client, person: str
) -> None:
    csrf = sign_in(client, person)
    refused = client.put("/api/v1/policy", json={}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "the marketer role may not manage workspace"


def test_logout_ends_the_session(client: httpx.Client, person: str) -> None:
    csrf = sign_in(client, person)
    kept = client.cookies.get("baton_session")
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.cookies.get("baton_session") is None
    # The old cookie, replayed, no longer works.
    assert (
        client.get("/api/v1/auth/me", headers={"Cookie": f"baton_session={kept}"}).status_code
        == 401
    )


def test_sessions_end_when_idle_and_after_their_lifetime(
    client: httpx.Client, person: str, clock: ManualClock
) -> None:
    sign_in(client, person)
    clock.advance(timedelta(hours=11))
    assert client.get("/api/v1/auth/me").status_code == 200
    clock.advance(timedelta(hours=12, minutes=1))
    assert client.get("/api/v1/auth/me").status_code == 401
    sign_in(client, person)
    for _ in range(15):  # busy every 11 hours for a week (168 hours)
        clock.advance(timedelta(hours=11))
        assert client.get("/api/v1/auth/me").status_code == 200
    clock.advance(timedelta(hours=11))
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_person_works_in_each_workspace_with_its_role(
    client: httpx.Client, engine: Engine, clock: ManualClock, person: str, workspace: Workspace
) -> None:
    with write_transaction(engine) as connection:
        other = create_workspace(connection, "second client", clock)
        mine = user_by_email(connection, person)
        assert mine is not None
        grant(connection, other, mine.id, Role.ADMIN, clock.now())
    csrf = sign_in(client, person)
    headers = {"X-CSRF-Token": csrf}
    as_marketer = {**headers, "X-Baton-Workspace": workspace.id}
    assert client.put("/api/v1/policy", json={}, headers=as_marketer).status_code == 403
    as_admin = {**headers, "X-Baton-Workspace": other}
    assert client.put("/api/v1/policy", json={}, headers=as_admin).status_code == 200
    for chosen, role, status in ((workspace.id, "marketer", 403), (other, "admin", 200)):
        switched = client.post(
            "/api/v1/auth/workspace", json={"workspace": chosen}, headers=headers
        )
        assert switched.json()["workspace"]["role"] == role
        assert client.put("/api/v1/policy", json={}, headers=headers).status_code == status
        assert client.get("/api/v1/auth/me").json()["workspace"]["id"] == chosen
    stranger = create_stranger_workspace(engine, clock)
    refused = client.get("/api/v1/journeys", headers={"X-Baton-Workspace": stranger})
    assert refused.status_code == 403
    assert client.post(
        "/api/v1/auth/workspace", json={"workspace": stranger}, headers=headers
    ).status_code == 403  # fmt: skip


def create_stranger_workspace(engine: Engine, clock: ManualClock) -> str:
    with write_transaction(engine) as connection:
        return create_workspace(connection, "not theirs", clock)


def test_changing_the_password_signs_out_every_other_session(server_url: str, person: str) -> None:
    with httpx.Client(base_url=server_url) as laptop, httpx.Client(base_url=server_url) as phone:
        csrf = sign_in(laptop, person)
        sign_in(phone, person)
        new = "violet river lantern orbit"
        weak = laptop.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers={"X-CSRF-Token": csrf},
        )
        assert weak.status_code == 400
        assert weak.json()["error"]["field"] == "password"
        changed = laptop.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": new},
            headers={"X-CSRF-Token": csrf},
        )
        assert changed.status_code == 200, changed.text
        assert laptop.get("/api/v1/auth/me").status_code == 200
        assert phone.get("/api/v1/auth/me").status_code == 401
        assert laptop.post(
            "/api/v1/auth/login", json={"email": person, "password": PASSWORD}
        ).status_code == 401  # fmt: skip
        sign_in(phone, person, new)


@contextmanager
def strict_server(server: tuple[str, Runtime], **limits: Any) -> Iterator[httpx.Client]:
    runtime = server[1]
    settings = replace(runtime.settings, **limits)
    own = Runtime.create(settings, clock=runtime.clock, run_processor=False)
    with serve_in_thread(own) as url, httpx.Client(base_url=url) as client:
        yield client


def test_failed_logins_are_limited_per_account(
    server: tuple[str, Runtime], person: str, engine: Engine, clock: ManualClock,
    workspace: Workspace,
) -> None:  # fmt: skip
    other = f"other-{workspace.id}@example.com"
    make_user(engine, clock, workspace.id, Role.VIEWER, other)
    with strict_server(server, login_failures_per_account=3) as client:
        for _ in range(3):
            wrong = {"email": person, "password": "not the password at all"}
            assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
        right = client.post("/api/v1/auth/login", json={"email": person, "password": PASSWORD})
        assert right.status_code == 429
        assert "this account" in right.json()["error"]["message"]
        sign_in(client, other)  # another account from the same address is not held up
        clock.advance(timedelta(minutes=1, seconds=1))
        sign_in(client, person)


def test_failed_logins_are_limited_per_address(server: tuple[str, Runtime], person: str) -> None:
    with strict_server(server, auth_failures_per_minute=3) as client:
        for n in range(3):
            wrong = {"email": f"guess{n}@example.com", "password": "not the password at all"}
            assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
        right = client.post("/api/v1/auth/login", json={"email": person, "password": PASSWORD})
        assert right.status_code == 429


def test_the_cookie_is_secure_behind_https(server: tuple[str, Runtime], person: str) -> None:
    runtime = server[1]
    settings = replace(runtime.settings, public_url="https://baton.example.com")
    own = Runtime.create(settings, clock=runtime.clock, run_processor=False)
    with serve_in_thread(own) as url, httpx.Client(base_url=url) as client:
        answer = client.post("/api/v1/auth/login", json={"email": person, "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]


def test_admin_keys_keep_working_for_machines(client: httpx.Client, workspace: Workspace) -> None:
    answer = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {workspace.admin_token}"}
    )
    assert answer.status_code == 200
    assert answer.json()["key"]["role"] == "admin"
    assert (
        client.get("/api/v1/journeys", headers={"Authorization": "Bearer ba_wrong"}).status_code
        == 401
    )


def test_guessing_the_current_password_is_limited_like_logins(
    server: tuple[str, Runtime], person: str
) -> None:
    with strict_server(server, login_failures_per_account=3) as client:
        csrf = {"X-CSRF-Token": sign_in(client, person)}
        guess = {"current_password": "not the password at all", "new_password": "x" * 20}
        for _ in range(3):
            assert client.post("/api/v1/auth/password", json=guess, headers=csrf).status_code == 401
        right = {"current_password": PASSWORD, "new_password": "violet river lantern orbit"}
        assert client.post("/api/v1/auth/password", json=right, headers=csrf).status_code == 429


def test_a_failed_login_keeps_no_typed_text_but_an_accounts_address(
    client: httpx.Client, engine: Engine, person: str
) -> None:
    typed = "my-secret-password-typed-as-the-email"
    client.post("/api/v1/auth/login", json={"email": typed, "password": "x" * 20})
    client.post("/api/v1/auth/login", json={"email": person, "password": "x" * 20})
    with engine.connect() as connection:
        labels = connection.execute(
            select(audit_log.c.actor_label).where(audit_log.c.action == "login.failed")
        ).scalars().all()  # fmt: skip
    assert typed not in labels
    assert person in labels


def test_a_form_posted_from_another_site_cannot_sign_a_browser_in(
    client: httpx.Client, person: str
) -> None:
    body = f'{{"email": "{person}", "password": "{PASSWORD}"}}'
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        answer = client.post(
            "/api/v1/auth/login",
            content=body,
            headers={"Content-Type": kind, "Origin": "https://evil.example"},
        )
        assert answer.status_code == 400, kind
        assert "application/json" in answer.json()["error"]["message"]
        assert "set-cookie" not in answer.headers
    reset = client.post("/api/v1/auth/password-reset", content=f'{{"email": "{person}"}}',
                        headers={"Content-Type": "text/plain"})  # fmt: skip
    assert reset.status_code == 400
