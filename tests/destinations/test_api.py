"""The destinations API and the audience download over HTTP: secrets write-only and
sealed, permissions, audit entries, deliveries and replay, bad input answered 4xx."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.segments.store import Kind
from baton.storage.database import write_transaction
from baton.storage.tables import destinations
from baton.teams import Role
from baton.workspaces import KeyKind, create_key
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.destinations.test_audiences import BUYERS, JANE, PHONE_DIGITS, PHONE_E164
from tests.segments.helpers import define, deliver, identify
from tests.servers import HttpServer

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def key_of(engine: Engine, clock: ManualClock, workspace: Workspace, role: Role) -> dict[str, str]:
    with write_transaction(engine) as connection:
        return bearer(create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=role))


def test_a_destination_is_saved_masked_sealed_tested_and_deleted(
    client: httpx.Client, workspace: Workspace, engine: Engine
) -> None:
    admin = bearer(workspace.admin_token)
    with HttpServer(lambda _: (204, {}, b"")) as server:
        body = {
            "url": f"{server.url}/in",
            "secret": SECRET,
            "events": ["Go"],
            "allow": ["127.0.0.1"],
            "name": "Order feed",
        }
        saved = client.put("/api/v1/destinations/hook", json=body, headers=admin)
        assert saved.status_code == 200, saved.text
        shown = saved.json()
        assert shown["kind"] == "webhook"
        listed = client.get("/api/v1/destinations", headers=admin).json()["items"]
        assert [item["settings"]["name"] for item in listed] == ["Order feed"]
        assert shown["settings"]["secret"] == "********"
        assert SECRET not in client.get("/api/v1/destinations", headers=admin).text
        with engine.connect() as connection:
            stored = connection.execute(
                select(destinations.c.settings).where(destinations.c.workspace_id == workspace.id)
            ).scalar_one()
        assert stored["secret"].startswith("baton:v1:")
        # Sent back masked, the secret stays; the URL moved, it must be given again.
        masked = {**body, "secret": "********", "batch_size": 5}
        again = client.put("/api/v1/destinations/hook", json=masked, headers=admin)
        assert again.status_code == 200
        moved = client.put("/api/v1/destinations/hook",
                           json={**body, "secret": "********", "url": "http://example.com/x"},
                           headers=admin)  # fmt: skip
        assert moved.status_code == 200
        assert moved.json()["settings"]["secret"] == "********"
        client.put("/api/v1/destinations/hook", json=body, headers=admin)
        tested = client.post("/api/v1/destinations/hook/test", headers=admin)
        assert tested.json()["status"] == "delivered"
        (request,) = server.requests
        assert request.headers["webhook-signature"].startswith("v1,")
    trail = client.get("/api/v1/audit", params={"action": "destination.save"}, headers=admin)
    assert SECRET not in trail.text
    assert len(trail.json()["items"]) == 4
    empty = client.get("/api/v1/destinations/hook/deliveries", params={"status": "dead"},
                       headers=admin)  # fmt: skip
    assert empty.json() == {"items": [], "next": None}
    replayed = client.post("/api/v1/destinations/hook/replay", json={"ids": ["x"]}, headers=admin)
    assert replayed.json() == {"replayed": 0}
    assert client.delete("/api/v1/destinations/hook", headers=admin).status_code == 204
    assert client.get("/api/v1/destinations/hook", headers=admin).status_code == 404


def test_bad_input_is_refused_with_the_field(client: httpx.Client, workspace: Workspace) -> None:
    admin = bearer(workspace.admin_token)
    url = "http://example.com/in"
    for key, body, field in [
        ("hook", {"url": "ftp://x", "events": ["Go"]}, "url"),
        ("hook", {"url": url}, None),
        ("hook", {"url": url, "events": ["Go"], "batch_size": 0}, "batch_size"),
        ("hook", {"url": url, "events": ["Go"], "secret": "short"}, "secret"),
        ("hook", {"url": url, "events": ["Go"], "timeout": "5m"}, "timeout"),
        ("hook", {"url": url, "events": ["Go"], "extra": 1}, "extra"),
        ("hook", {"url": url, "events": ["Go"], "name": ""}, "name"),
        ("hook", {"url": url, "events": ["Go"], "name": "n" * 201}, "name"),
        ("hook", {"kind": "pigeon", "url": url}, "kind"),
        ("hook", {"kind": "crm", "url": url, "fields": {}}, "fields"),
        ("hook", {"kind": "crm", "url": url, "fields": {"a": {"trait": "x", "rule": "mine"}}},
         "fields.a.rule"),
        ("hook", {"kind": "audience", "url": url, "segment": "s", "format": "tiktok"},
         "format"),
        ("Bad Key", {"url": url, "events": ["Go"]}, "key"),
    ]:  # fmt: skip
        answer = client.put(f"/api/v1/destinations/{key}", json=body, headers=admin)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["error"]["field"] == field, answer.text
    assert client.put("/api/v1/destinations/hook", content=b"[1]", headers=admin).status_code == 400
    assert client.get("/api/v1/destinations/nope/deliveries", headers=admin).status_code == 404
    bad = client.get("/api/v1/destinations/nope/deliveries", params={"cursor": "AA"}, headers=admin)
    assert bad.status_code == 400
    too_many = client.post("/api/v1/destinations/nope/replay", json={"ids": ["x"] * 1001},
                           headers=admin)  # fmt: skip
    assert too_many.status_code == 400


def test_the_audience_file_is_streamed_to_those_who_may_read_profiles_and_audited(
    client: httpx.Client, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    define(engine, clock, workspace.id, Kind.SEGMENT, BUYERS)
    deliver(engine, clock, workspace.id,
            identify("jane", clock.now(), buyer=True, email=" JaneDoe@Gmail.com",
                     phone="+1 657 777 0000"))  # fmt: skip
    analyst = key_of(engine, clock, workspace, Role.ANALYST)
    viewer = key_of(engine, clock, workspace, Role.VIEWER)
    path = "/api/v1/segments/buyers/audience"
    meta = client.get(path, params={"format": "meta"}, headers=analyst)
    assert meta.status_code == 200, meta.text
    assert meta.headers["content-type"].startswith("text/csv")
    assert meta.text == f"email,phone\n{JANE},{PHONE_DIGITS}\n"
    google = client.get(path, params={"format": "google"}, headers=analyst)
    assert google.text == f"Email,Phone\n{JANE},{PHONE_E164}\n"
    assert client.get(path, params={"format": "meta"}, headers=viewer).status_code == 403
    assert client.get(path, params={"format": "x"}, headers=analyst).status_code == 400
    assert client.get(path, headers=analyst).status_code == 400
    missing = "/api/v1/segments/nope/audience"
    assert client.get(missing, params={"format": "meta"}, headers=analyst).status_code == 404
    admin = bearer(workspace.admin_token)
    trail = client.get("/api/v1/audit", params={"action": "segment.audience_export"},
                       headers=admin).json()["items"]  # fmt: skip
    assert len(trail) == 2
    assert all(entry["object"] == {"type": "segment", "id": "buyers"} for entry in trail)
    assert client.get("/api/v1/destinations", headers=analyst).status_code == 403
