"""A URL holding NUL (`%00`) is refused before anything reads it, on both databases:
PostgreSQL cannot even compare text holding one, so its path or query made a 500."""

from __future__ import annotations

import httpx

from tests.api.test_profiles import bearer
from tests.conftest import Workspace


def test_a_url_holding_nul_is_refused(client: httpx.Client, workspace: Workspace) -> None:
    admin = bearer(workspace.admin_token)
    for method, url in [
        ("get", "/api/v1/profiles/a%00b"),
        ("get", "/api/v1/profiles?q=a%00b"),
        # Read by the check of its bearer token, before any route.
        ("post", f"/v1/channels/email/{workspace.id}%00/feedback"),
    ]:
        refused = client.request(method, url, headers=admin)
        assert refused.status_code == 400, (url, refused.text)
        assert refused.json()["error"]["code"] == "invalid"
    assert client.get("/api/v1/profiles?q=a%2500b", headers=admin).status_code == 200
