"""The OpenAPI document describes every request body, and a bad body gets the error shape
naming the field at fault, never a 5xx; over real HTTP, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.conftest import Workspace

# Operations that take no body: the URL says everything.
NO_BODY = {
    ("post", "/api/v1/journeys/{key}/pause"),
    ("post", "/api/v1/journeys/{key}/resume"),
    ("post", "/api/v1/journeys/{key}/archive"),
    ("post", "/api/v1/segments/{ref}/evaluate"),
    ("post", "/api/v1/computed-traits/{ref}/evaluate"),
    ("post", "/api/v1/predictions/{key}/train"),
    ("post", "/api/v1/broadcasts/{key}/send"),
    ("post", "/api/v1/broadcasts/{key}/pause"),
    ("post", "/api/v1/broadcasts/{key}/resume"),
    ("post", "/api/v1/broadcasts/{key}/cancel"),
    ("post", "/api/v1/destinations/{key}/test"),
    ("post", "/v1/inbox/{message_id}/{action}"),
    ("post", "/api/v1/identity-secret"),
    # The confirmation page's form holds only a button: the signed token is the request.
    ("post", "/v1/confirm/{token}"),
    # The preference page's download and erasure requests, and the download link's page: a
    # button each, like confirming.
    ("post", "/v1/preferences/{token}/export"),
    ("post", "/v1/preferences/{token}/erasure"),
    ("post", "/v1/export/{token}"),
    ("post", "/api/v1/auth/logout"),
}
YAML = {"Content-Type": "application/yaml"}
FEEDBACK_SECRET = "feedback-secret-of-the-test"


def _operations(client: httpx.Client) -> dict[tuple[str, str], dict[str, Any]]:
    document = client.get("/openapi.json").json()
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch")
    }


def test_every_operation_that_takes_a_body_describes_it(client: httpx.Client) -> None:
    operations = _operations(client)
    assert set(operations) >= NO_BODY, NO_BODY - set(operations)
    undescribed = []
    for (method, path), operation in sorted(operations.items()):
        if (method, path) in NO_BODY:
            assert "requestBody" not in operation, (method, path)
            continue
        content = operation.get("requestBody", {}).get("content", {})
        schemas = [media.get("schema") for media in content.values()]
        if not schemas or not all(
            schema and {"$ref", "type", "oneOf", "anyOf"} & set(schema) for schema in schemas
        ):
            undescribed.append((method, path))
    assert undescribed == []
    # Definitions are described by the domain's own models, not as any object.
    journey = operations[("put", "/api/v1/journeys/{key}")]["requestBody"]["content"]
    assert journey["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JourneyDefinition"
    }


CONSENT = "/api/v1/profiles/prof_x/consent/news"
TEST_RUN = {"user_id": "u", "events": [{"event": "E"}, {"event": "F", "after": "soon"}]}
BAD_CAP = {"caps": [{"name": "x", "max": "many", "per": "1d"}]}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("put", CONSENT, {"subscribed": "yes"}, "subscribed"),
        ("put", CONSENT, {"subscribed": True, "evidence": [1]}, "evidence"),
        ("post", "/api/v1/journeys/x/publish", {"node_map": {"old": 1}}, "node_map.old"),
        ("post", "/api/v1/journeys/x/publish", {"dry_run": "no"}, "dry_run"),
        ("post", "/api/v1/journeys/x/simulate", {"from": "2026-01-01", "to": "soon"}, "to"),
        ("post", "/api/v1/journeys/x/simulate", {"to": "2026-01-01"}, "from"),
        ("post", "/api/v1/journeys/x/test-run", TEST_RUN, "events.1.after"),
        ("post", "/api/v1/journeys/x/enter", {"user_id": "u", "properties": [1]}, "properties"),
        ("post", "/api/v1/journey-templates", {"name": ["win-back"]}, "name"),
        ("post", "/api/v1/templates/x/preview", {"user_id": 7}, "user_id"),
        ("put", "/api/v1/policy", BAD_CAP, "caps.0.max"),
        ("put", "/api/v1/channels/webhook", {"allow": "10.0.0.0/8"}, "allow"),
    ],
)
def test_a_bad_body_names_its_field(
    client: httpx.Client,
    workspace: Workspace,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.request(method, path, json=body, headers=bearer(workspace.admin_token))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    assert error["message"].startswith(f"{field}: ")


def test_bodies_are_json_or_yaml_and_never_empty_where_required(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    url = "/api/v1/profiles/prof_x/consent/news"
    as_yaml = client.put(url, content="subscribed: maybe\n", headers={**admin, **YAML})
    assert as_yaml.json()["error"]["field"] == "subscribed"
    no_type = client.put(url, content='{"subscribed": 1}', headers=admin)
    assert no_type.json()["error"]["field"] == "subscribed"
    empty = client.put(url, content=b"", headers=admin)
    assert empty.status_code == 400
    assert empty.json()["error"]["message"].startswith("the body is empty")
    not_a_mapping = client.put("/api/v1/journeys/x", json=[1], headers=admin)
    assert not_a_mapping.status_code == 400
    assert "a JSON object" in not_a_mapping.json()["error"]["message"]


HOSTILE = [
    (b"[]", {}),
    (b'"text"', {}),
    (b"null", {}),
    (b"{", {}),
    (b'{"a": {"b": [1, {"c": null}]}, "batch": 3, "steps": {}}', {}),
    (b"\xff\xfe", {}),
    (b"!!binary aGk=", YAML),  # YAML bytes, which JSON has no form for
    (b"a: !!set {x}", YAML),
    (b'{"pad": "' + b"x" * 600_000 + b'"}', {}),
]


def test_no_body_makes_any_operation_fail_with_a_5xx(
    client: httpx.Client, workspace: Workspace
) -> None:
    """Every documented operation with a body, fed hostile bodies with valid credentials:
    always a 4xx in the error shape (but an empty list of bounce reports, which is fine)."""
    admin = bearer(workspace.admin_token)
    email = {
        "url": "smtp://127.0.0.1:1",
        "sender": "shop@example.com",
        "links_url": "https://baton.example",
        "feedback_secret": FEEDBACK_SECRET,
    }
    assert client.put("/api/v1/channels/email", json=email, headers=admin).status_code == 200
    feedback = f"/v1/channels/email/{workspace.id}/feedback"
    reports = [{"type": "bounce", "email": "a@example.com"}, {"type": "bounce"}]
    refused = client.post(feedback, json=reports, headers=bearer(FEEDBACK_SECRET))
    assert refused.json()["error"]["field"] == "1.email"
    for (method, path), _ in sorted(_operations(client).items()):
        if (method, path) in NO_BODY:
            continue
        url = path.replace("{workspace_id}", workspace.id)
        url = url.replace("{channel}", "webhook").replace("{", "").replace("}", "")
        headers = basic(workspace.write_key) if path.startswith("/v1/") else admin
        if url == feedback:
            headers = bearer(FEEDBACK_SECRET)
        for body, content_type in HOSTILE:
            response = client.request(
                method, url, content=body, headers={**headers, **content_type}
            )
            if url == feedback and body == b"[]":
                assert response.json() == {"received": 0, "matched": 0}
                continue
            assert 400 <= response.status_code < 500, (method, path, body[:40], response.text)
            if response.headers["content-type"].startswith("application/json"):
                error = response.json()["error"]
                assert isinstance(error["code"], str)
                assert isinstance(error["message"], str)


def test_yaml_bodies_refuse_anchors_and_aliases(client: httpx.Client, workspace: Workspace) -> None:
    """A 380-byte alias bomb once took seconds per level: refused before it expands."""
    admin = bearer(workspace.admin_token)
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    bomb = "\n".join(["key: bomb", "name: bomb", *levels]) + "\n"
    answer = client.put("/api/v1/segments/bomb", content=bomb, headers={**admin, **YAML})
    assert answer.status_code == 400
    assert "anchors and aliases" in answer.json()["error"]["message"]
    anchored = "key: one\nname: &n One\ncondition: {trait: plan, op: equals, value: gold}\n"
    answer = client.put("/api/v1/segments/one", content=anchored, headers={**admin, **YAML})
    assert answer.status_code == 400
