"""Approvals over real HTTP, on both databases: where the workspace requires them, a
marketer's journey publish and template change wait for someone else's review."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update

from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, workspaces
from baton.teams import Role, grant
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.api.test_journeys import ONBOARDING, YAML
from tests.api.test_login import make_user, sign_in
from tests.api.test_profiles import bearer
from tests.api.test_templates import CART
from tests.conftest import Workspace


def _require(engine: Engine, workspace_id: str, *kinds: str) -> None:
    with write_transaction(engine) as connection:
        connection.execute(
            update(workspaces)
            .where(workspaces.c.id == workspace_id)
            .values(require_approval=list(kinds))
        )


def _audit(engine: Engine, workspace_id: str) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(audit_log)
                .where(audit_log.c.workspace_id == workspace_id)
                .order_by(audit_log.c.id)
            ).all()
        )


class Marketer:
    def __init__(self, client: httpx.Client, user_id: str, email: str) -> None:
        self.client = client
        self.id = user_id
        self.email = email


@pytest.fixture
def marketer(
    server_url: str, engine: Engine, clock: ManualClock, workspace: Workspace
) -> Iterator[Marketer]:
    """A signed-in marketer of the workspace, whose changes carry the CSRF token."""
    email = f"marketer-{workspace.id}@example.com"
    user_id = make_user(engine, clock, workspace.id, Role.MARKETER, email)
    with httpx.Client(base_url=server_url, timeout=10) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, email)
        yield Marketer(client, user_id, email)


def _journey(client: httpx.Client, key: str = "onboarding") -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/api/v1/journeys/{key}").json()
    return found


def test_a_marketers_publish_waits_for_someone_elses_approval(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    marketer: Marketer,
) -> None:
    _require(engine, workspace.id, "journeys", "broadcasts")
    client.headers.update(bearer(workspace.admin_token))
    assert client.put("/api/v1/journeys/onboarding", content=ONBOARDING, headers=YAML).is_success

    held = marketer.client.post("/api/v1/journeys/onboarding/publish")
    assert held.status_code == 202, held.text
    review = held.json()
    assert review["kind"] == "journeys"
    assert review["object_key"] == "onboarding"
    assert review["status"] == "pending"
    assert (review["requested_by"], review["requested_by_label"]) == (marketer.id, marketer.email)
    assert review["proposed"]["version"] == 1
    assert review["proposed"]["definition"]["name"] == "Onboarding"
    assert {"path": "name", "before": None, "after": "Onboarding"} in review["changes"]
    journey = _journey(client)
    assert (journey["status"], journey["published_version"]) == ("draft", None)

    refused = marketer.client.post(f"/api/v1/reviews/{review['id']}/approve")
    assert refused.status_code == 403
    assert "may not approve" in refused.json()["error"]["message"]
    with write_transaction(engine) as connection:  # promoted since: still their own change
        grant(connection, workspace.id, marketer.id, Role.ADMIN, clock.now())
    own = marketer.client.post(f"/api/v1/reviews/{review['id']}/approve")
    assert own.status_code == 403
    assert "their own change" in own.json()["error"]["message"]
    assert _journey(client)["published_version"] is None

    approved = client.post(f"/api/v1/reviews/{review['id']}/approve", json={"comment": "Fine"})
    assert approved.status_code == 200, approved.text
    decided = approved.json()
    assert (decided["status"], decided["comment"]) == ("approved", "Fine")
    assert decided["decided_by_label"].startswith("admin key ")
    journey = _journey(client)
    assert (journey["status"], journey["published_version"]) == ("published", 1)
    again = client.post(f"/api/v1/reviews/{review['id']}/reject")
    assert again.status_code == 409
    assert client.get(f"/api/v1/reviews/{review['id']}").json()["status"] == "approved"

    entries = [(e.action, e.actor_id, e.object_id, e.detail) for e in _audit(engine, workspace.id)]
    assert ("review.request", marketer.id, review["id"],
            {"kind": "journeys", "key": "onboarding"}) in entries  # fmt: skip
    approvals = [e for e in entries if e[0] == "review.approve"]
    assert [e[3]["comment"] for e in approvals] == ["Fine"]
    publishes = [(e[1], e[2], e[3]) for e in entries if e[0] == "journey.publish"]
    assert publishes == [(approved.json()["decided_by"], "onboarding", {"review": review["id"]})]


def test_a_rejected_request_leaves_the_live_version_live(
    client: httpx.Client, engine: Engine, workspace: Workspace, marketer: Marketer
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    client.put("/api/v1/journeys/onboarding", content=ONBOARDING, headers=YAML)
    assert client.post("/api/v1/journeys/onboarding/publish").status_code == 200
    _require(engine, workspace.id, "journeys")
    renamed = ONBOARDING.replace("name: Onboarding", "name: Welcome")
    assert marketer.client.put(
        "/api/v1/journeys/onboarding", content=renamed, headers=YAML
    ).is_success

    held = marketer.client.post("/api/v1/journeys/onboarding/publish").json()
    assert held["proposed"]["version"] == 2
    assert held["changes"] == [{"path": "name", "before": "Onboarding", "after": "Welcome"}]
    rejected = client.post(f"/api/v1/reviews/{held['id']}/reject", json={"comment": "Not yet"})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["comment"]) == ("rejected", "Not yet")
    journey = _journey(client)
    assert (journey["published_version"], journey["draft_version"]) == (1, 2)
    assert client.post(f"/api/v1/reviews/{held['id']}/approve").status_code == 409
    assert _journey(client)["published_version"] == 1
    actions = [e.action for e in _audit(engine, workspace.id)]
    assert "review.reject" in actions
    assert "review.approve" not in actions

    assert client.post("/api/v1/journeys/onboarding/archive").status_code == 200
    archived = marketer.client.post("/api/v1/journeys/onboarding/publish")
    assert archived.status_code == 409
    assert client.get("/api/v1/reviews", params={"status": "pending"}).json()["items"] == []


def test_a_draft_changed_since_the_request_is_not_published(
    client: httpx.Client, engine: Engine, workspace: Workspace, marketer: Marketer
) -> None:
    _require(engine, workspace.id, "journeys")
    client.headers.update(bearer(workspace.admin_token))
    client.put("/api/v1/journeys/onboarding", content=ONBOARDING, headers=YAML)
    held = marketer.client.post("/api/v1/journeys/onboarding/publish").json()
    # The same draft version, edited in place after the request.
    changed = ONBOARDING.replace("duration: 2d", "duration: 3d")
    marketer.client.put("/api/v1/journeys/onboarding", content=changed, headers=YAML)
    assert _journey(client)["draft_version"] == 1

    stale = client.post(f"/api/v1/reviews/{held['id']}/approve")
    assert stale.status_code == 409
    assert stale.json()["error"]["message"] == (
        "the draft changed since the request: ask for a new review"
    )
    assert _journey(client)["published_version"] is None
    assert client.get(f"/api/v1/reviews/{held['id']}").json()["status"] == "pending"
    assert "journey.publish" not in [e.action for e in _audit(engine, workspace.id)]


def test_who_publishes_directly(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    marketer: Marketer,
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    for key in ("first", "second", "third"):
        client.put(f"/api/v1/journeys/{key}", content=ONBOARDING, headers=YAML)
    _require(engine, workspace.id, "templates")  # journeys not required
    direct = marketer.client.post("/api/v1/journeys/first/publish")
    assert direct.status_code == 200, direct.text
    assert direct.json()["published_version"] == 1

    _require(engine, workspace.id, "journeys")
    with write_transaction(engine) as connection:
        marketer_key = create_key(
            connection, workspace.id, KeyKind.ADMIN, clock.now(), role=Role.MARKETER
        )
    by_key = client.post("/api/v1/journeys/second/publish", headers=bearer(marketer_key))
    assert by_key.status_code == 202
    assert by_key.json()["requested_by_label"].startswith("admin key ")
    assert client.post("/api/v1/journeys/third/publish").status_code == 200  # an admin's
    assert [j["status"] for j in client.get("/api/v1/journeys").json()["items"]] == [
        "published", "draft", "published"
    ]  # fmt: skip


def test_a_marketers_template_change_waits_for_approval(
    client: httpx.Client, engine: Engine, workspace: Workspace, marketer: Marketer
) -> None:
    _require(engine, workspace.id, "templates")
    client.headers.update(bearer(workspace.admin_token))
    assert client.put("/api/v1/templates/cart", content=CART, headers=YAML).status_code == 201
    same = marketer.client.put("/api/v1/templates/cart", content=CART, headers=YAML)
    assert (same.status_code, same.json()["change"]) == (200, "unchanged")

    shorter = CART.replace("your cart is waiting", "your cart")
    held = marketer.client.put("/api/v1/templates/cart", content=shorter, headers=YAML)
    assert held.status_code == 202, held.text
    review = held.json()
    assert review["kind"] == "templates"
    assert [c["path"] for c in review["changes"]] == ["subject"]
    assert review["changes"][0]["after"].endswith("your cart")
    assert client.get("/api/v1/templates/cart").json()["subject"].endswith("is waiting")

    approved = client.post(f"/api/v1/reviews/{review['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert client.get("/api/v1/templates/cart").json()["subject"].endswith("your cart")
    saves = [(e.actor_id, e.detail) for e in _audit(engine, workspace.id)
             if e.action == "template.save" and e.detail]  # fmt: skip
    assert saves == [(approved.json()["decided_by"], {"review": review["id"]})]

    # Changed by someone else after the request: approving would overwrite it unseen.
    held_again = marketer.client.put("/api/v1/templates/cart", content=CART, headers=YAML).json()
    named = CART.replace("Cart reminder", "Basket reminder")
    assert client.put("/api/v1/templates/cart", content=named, headers=YAML).status_code == 200
    stale = client.post(f"/api/v1/reviews/{held_again['id']}/approve")
    assert stale.status_code == 409
    assert "the template changed since the request" in stale.json()["error"]["message"]
    assert client.get("/api/v1/templates/cart").json()["name"] == "Basket reminder"


def test_reviews_are_listed_a_page_at_a_time_within_their_workspace(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    marketer: Marketer,
) -> None:
    _require(engine, workspace.id, "journeys")
    client.headers.update(bearer(workspace.admin_token))
    client.put("/api/v1/journeys/onboarding", content=ONBOARDING, headers=YAML)
    asked = [marketer.client.post("/api/v1/journeys/onboarding/publish").json() for _ in range(3)]
    client.post(f"/api/v1/reviews/{asked[0]['id']}/reject")

    first = client.get("/api/v1/reviews", params={"limit": 2}).json()
    rest = client.get("/api/v1/reviews", params={"limit": 2, "cursor": first["next"]}).json()
    listed = [r["id"] for r in first["items"] + rest["items"]]
    assert listed == [r["id"] for r in reversed(asked)]
    assert rest["next"] is None
    assert "changes" not in first["items"][0]
    pending = client.get("/api/v1/reviews", params={"status": "pending"}).json()["items"]
    assert [r["id"] for r in pending] == [asked[2]["id"], asked[1]["id"]]
    assert client.get("/api/v1/reviews", params={"status": "maybe"}).status_code == 400

    with write_transaction(engine) as connection:
        elsewhere = create_workspace(connection, "elsewhere", clock)
        other = bearer(create_key(connection, elsewhere, KeyKind.ADMIN, clock.now()))
    assert client.get("/api/v1/reviews", headers=other).json()["items"] == []
    guessed = f"/api/v1/reviews/{asked[1]['id']}"
    assert client.get(guessed, headers=other).status_code == 404
    assert client.post(f"{guessed}/approve", headers=other).status_code == 404
    assert client.get(guessed).json()["status"] == "pending"
