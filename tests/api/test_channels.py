"""Channel settings over HTTP: validated, and the secret never read back."""

from __future__ import annotations

import httpx

from tests.api.test_profiles import bearer
from tests.conftest import Workspace


def test_webhook_settings_are_saved_and_the_secret_is_masked(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    saved = client.put(
        "/api/v1/channels/webhook",
        json={"secret": "a-long-enough-secret", "timeout": "5s", "allow": ["10.0.0.0/8"]},
        headers=admin,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "channel": "webhook",
        "secret": "********",
        "timeout": "5s",
        "allow": ["10.0.0.0/8"],
        "rate": None,
        "retired": {},
    }
    listed = client.get("/api/v1/channels", headers=admin).json()["items"]
    assert listed == [saved.json()]
    assert "a-long-enough-secret" not in client.get("/api/v1/channels", headers=admin).text
    generated = client.put("/api/v1/channels/webhook", json={}, headers=admin)
    assert generated.json()["secret"] == "********"
    for body, field in [
        ({"timeout": "2m"}, "timeout"),
        ({"allow": ["10.0.0.0/99"]}, "allow"),
        ({"secret": "short"}, "secret"),
        ({"rate": 0}, "rate"),
    ]:
        bad = client.put("/api/v1/channels/webhook", json=body, headers=admin)
        assert bad.status_code == 400, body
        assert bad.json()["error"]["field"] == field
    unknown = client.put("/api/v1/channels/pigeon", json={}, headers=admin)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] == "channel"
