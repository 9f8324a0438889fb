"""Redirecting a person's contact points with a key found in a web page, on both
databases: an identify with `userId: alice` once changed her e-mail to the attacker's. A
browser write key may set contact points only with the person's userHash; a server key,
which Segment's server libraries use, keeps every right."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.channels.settings import ChatSettings, save_settings
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.workspaces import KeyKind, create_key, user_hash
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.conftest import Workspace, process_all
from tests.identity.helpers import profile

ATTACKS: list[dict[str, Any]] = [
    {"type": "identify", "traits": {"email": "attacker@evil.example"}},
    {"type": "identify", "traits": {"phone": "+14155550199"}},
    {"type": "identify", "traits": {"pushToken": "attacker-device"}},
    {"type": "identify", "traits": {"pushTokens": ["attacker-device"]}},
    {"type": "identify", "traits": {"telegramChatId": "666"}},
    {"type": "track", "event": "Viewed", "context": {"traits": {"email": "a@evil.example"}}},
    {"type": "track", "event": "Opened App", "context": {"device": {"token": "attacker"}}},
]


@pytest.fixture
def browser_key(engine: Engine, clock: ManualClock, workspace: Workspace) -> str:
    with write_transaction(engine) as connection:
        return create_key(connection, workspace.id, KeyKind.WRITE, clock.now(), browser=True)


def alice_with_her_email(client: httpx.Client, engine: Engine, clock: ManualClock,
                         workspace: Workspace) -> None:  # fmt: skip
    """Alice, known by her e-mail, sent by the shop's backend with the server key."""
    identify = {"userId": "alice", "traits": {"email": "alice@example.com"}}
    answer = client.post("/v1/identify", json=identify, headers=basic(workspace.write_key))
    assert answer.status_code == 200
    process_all(engine, clock)


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_browser_key_cannot_set_contact_points_without_the_userhash(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    browser_key: str, attack: dict[str, Any],
) -> None:  # fmt: skip
    alice_with_her_email(client, engine, clock, workspace)
    message = {**attack, "userId": "alice"}
    single = client.post(f"/v1/{attack['type']}", json=message, headers=basic(browser_key))
    assert single.status_code == 400
    assert single.json()["error"]["code"] == "unverified_contact"
    harmless = {"type": "track", "userId": "alice", "event": "Product Viewed"}
    batch = {"batch": [message, harmless]}
    answer = client.post("/v1/batch", json=batch, headers=basic(browser_key))
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1
    assert answer.json()["rejected"][0]["code"] == "unverified_contact"
    process_all(engine, clock)
    assert profile(engine, workspace.id, "alice")["traits"]["email"] == "alice@example.com"


def test_with_the_persons_userhash_a_browser_key_sets_them(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    browser_key: str,
) -> None:  # fmt: skip
    alice_with_her_email(client, engine, clock, workspace)
    made = client.post("/api/v1/identity-secret", headers=bearer(workspace.admin_token))
    secret = made.json()["secret"]
    changed = {"userId": "alice", "traits": {"email": "alice@new.example"}}
    eves = {**changed, "context": {"userHash": user_hash(secret, "eve")}}
    assert client.post("/v1/identify", json=eves, headers=basic(browser_key)).status_code == 400
    clock.advance(timedelta(seconds=1))  # traits are last-write-wins by timestamp
    own = {**changed, "context": {"userHash": user_hash(secret, "alice")}}
    assert client.post("/v1/identify", json=own, headers=basic(browser_key)).status_code == 200
    process_all(engine, clock)
    assert profile(engine, workspace.id, "alice")["traits"]["email"] == "alice@new.example"


def test_a_browser_key_still_tracks_everything_else_and_server_keys_are_unchanged(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    browser_key: str,
) -> None:  # fmt: skip
    browsing = {"batch": [
        {"type": "identify", "anonymousId": "anon-1", "traits": {"firstName": "Al"}},
        {"type": "page", "anonymousId": "anon-1", "name": "Home"},
        {"type": "track", "anonymousId": "anon-1", "event": "Product Viewed",
         "context": {"device": {"type": "browser"}}},
    ]}  # fmt: skip
    answer = client.post("/v1/batch", json=browsing, headers=basic(browser_key))
    assert (answer.status_code, answer.json()["accepted"]) == (200, 3)
    # What a Segment or RudderStack server library sends, with the server key.
    server = {"batch": [{**attack, "userId": "bob", "messageId": f"m-{n}"}
                        for n, attack in enumerate(ATTACKS)]}  # fmt: skip
    answer = client.post("/v1/batch", json=server, headers=basic(workspace.write_key))
    assert (answer.status_code, answer.json()["accepted"]) == (200, len(ATTACKS))


def test_the_chat_channels_own_id_trait_is_a_contact_point(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    browser_key: str,
) -> None:  # fmt: skip
    with write_transaction(engine) as connection:
        chat = ChatSettings(bot_token="123:abc-def", chat_id_trait="lineId")
        save_settings(connection, workspace.id, "chat", chat, clock.now())
    steered = {"userId": "alice", "traits": {"lineId": "attacker-chat"}}
    answer = client.post("/v1/identify", json=steered, headers=basic(browser_key))
    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "traits.lineId")
