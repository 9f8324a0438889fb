"""Signed links: readable claims, refused when forged, re-signed or expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton.channels.links import read_link, sign_link
from baton.core.errors import InvalidInput

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SECRETS = {"ws_a": "secret-of-workspace-a", "ws_b": "secret-of-workspace-b"}


def secrets_of(workspace_id: str) -> list[str]:
    return [SECRETS[workspace_id]] if workspace_id in SECRETS else []


def test_a_link_carries_its_claims_until_it_expires() -> None:
    token = sign_link(SECRETS["ws_a"], {"ws": "ws_a", "p": "prof_1"}, NOW + timedelta(days=1))
    claims = read_link(token, secrets_of, NOW)
    assert (claims["ws"], claims["p"]) == ("ws_a", "prof_1")
    with pytest.raises(InvalidInput, match="expired"):
        read_link(token, secrets_of, NOW + timedelta(days=2))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", "x.", 1),
        lambda t: "not-a-token",
        lambda t: sign_link(SECRETS["ws_b"], {"ws": "ws_a", "p": "x"}, NOW + timedelta(days=1)),
        lambda t: sign_link(SECRETS["ws_a"], {"ws": "ws_zz", "p": "x"}, NOW + timedelta(days=1)),
    ],
)
def test_a_forged_link_is_refused(tamper: object) -> None:
    token = sign_link(SECRETS["ws_a"], {"ws": "ws_a", "p": "prof_1"}, NOW + timedelta(days=1))
    assert callable(tamper)
    with pytest.raises(InvalidInput, match="not valid"):
        read_link(tamper(token), secrets_of, NOW)
