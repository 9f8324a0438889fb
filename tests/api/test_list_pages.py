"""The admin API's lists of segments, computed traits, templates, people, invitations and
keys, over real HTTP on both databases: page by page through their cursors, every item
exactly once and in order; a cursor no page could end at is refused."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.teams import Role, create_user, grant
from baton.teams.audit import Actor
from baton.teams.membership import invite
from tests.api.test_profiles import bearer
from tests.conftest import Workspace

FORGED = [b"a\x00", b"\xff\xfe"]


def _pages(client: httpx.Client, url: str, headers: dict[str, str], limit: int) -> list[Any]:
    """Every page of the list, following `next` until there is none."""
    pages: list[list[Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = client.get(url, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page["items"])
        cursor = page["next"]
        if cursor is None:
            return pages
        assert len(page["items"]) == limit


def assert_pages(
    client: httpx.Client, url: str, headers: dict[str, str], field: str, expected: list[str]
) -> list[Any]:
    """The list read two at a time holds exactly `expected` (by `field`), in that order,
    as the list read at once does; a forged cursor answers 400. Returns the items."""
    whole = client.get(url, headers=headers).json()
    assert whole["next"] is None
    assert [item[field] for item in whole["items"]] == expected
    pages = _pages(client, url, headers, 2)
    assert len(pages) == (len(expected) + 1) // 2
    assert [item for page in pages for item in page] == whole["items"]
    for forged in FORGED:
        cursor = base64.urlsafe_b64encode(forged).decode()
        refused = client.get(url, params={"cursor": cursor}, headers=headers)
        assert (refused.status_code, refused.json()["error"]["field"]) == (400, "cursor"), forged
    too_many = client.get(url, params={"limit": 501}, headers=headers)
    assert too_many.status_code == 400
    items: list[Any] = whole["items"]
    return items


@pytest.mark.parametrize("path", ["segments", "computed-traits"])
def test_segments_and_computed_traits_page_by_key(
    client: httpx.Client, workspace: Workspace, path: str
) -> None:
    admin = bearer(workspace.admin_token)
    condition = {"trait": "plan", "op": "equals", "value": "pro"}
    for key in ("cc", "aa", "ee", "bb", "dd"):
        if path == "segments":
            body: dict[str, Any] = {"key": key, "name": key.upper(), "condition": condition}
        else:
            body = {"key": key, "name": key.upper(), "kind": "count", "event": "Order Completed"}
        made = client.post(f"/api/v1/{path}", json=body, headers=admin)
        assert made.status_code == 201, made.text
    items = assert_pages(client, f"/api/v1/{path}", admin, "key", ["aa", "bb", "cc", "dd", "ee"])
    one = client.get(f"/api/v1/{path}/cc", headers=admin).json()
    assert items[2] == one


def test_templates_page_by_key(client: httpx.Client, workspace: Workspace) -> None:
    admin = bearer(workspace.admin_token)
    for key in ("welcome", "cart", "receipt"):
        body = {"channel": "email", "name": key.title(), "subject": "Hi", "text": "Hello"}
        made = client.put(f"/api/v1/templates/{key}", json=body, headers=admin)
        assert made.status_code == 201, made.text
    items = assert_pages(client, "/api/v1/templates", admin, "key", ["cart", "receipt", "welcome"])
    assert items[1] == client.get("/api/v1/templates/receipt", headers=admin).json()


def test_people_page_by_email_address(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    emails = [f"{name}-{workspace.id}@example.com".lower() for name in ("cy", "al", "bo")]
    with write_transaction(engine) as connection:
        for email in emails:
            user = create_user(connection, email, email[:2], clock.now())
            grant(connection, workspace.id, user.id, Role.VIEWER, clock.now())
    items = assert_pages(client, "/api/v1/users", admin, "email", sorted(emails))
    assert {item["role"] for item in items} == {"viewer"}


def test_invitations_page_oldest_first(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    cli = Actor("cli", None, "command line")
    made = []
    with write_transaction(engine) as connection:
        for name in ("zed", "amy", "kim"):
            email = f"{name}-{workspace.id}@example.com".lower()
            link, _ = invite(connection, workspace.id, email, Role.VIEWER, clock.now(),
                             by=None, actor=cli)  # fmt: skip
            made.append(link.id)
    items = assert_pages(client, "/api/v1/invitations", admin, "id", made)
    assert [item["email"].split("-")[0] for item in items] == ["zed", "amy", "kim"]


def test_keys_page_oldest_first(client: httpx.Client, workspace: Workspace) -> None:
    admin = bearer(workspace.admin_token)
    made = []
    for role in ("viewer", "analyst", "marketer"):
        answer = client.post("/api/v1/keys", json={"kind": "admin", "role": role}, headers=admin)
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    listed = [k["id"] for k in client.get("/api/v1/keys", headers=admin).json()["items"]]
    assert listed[2:] == made
    items = assert_pages(client, "/api/v1/keys", admin, "id", listed)
    # The workspace's own keys, made with it, come first.
    assert [(item["kind"], item["role"]) for item in items] == [
        ("write", None),
        ("admin", "admin"),
        ("admin", "viewer"),
        ("admin", "analyst"),
        ("admin", "marketer"),
    ]
