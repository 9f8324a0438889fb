"""The inbox attacked with the public write key, on both databases: reading or marking
someone else's messages needs that person's userHash, which only the customer's backend
can compute (HMAC-SHA256 under the workspace's identity secret)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.workspaces import KeyKind, anonymous_hash, create_key, user_hash
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, messages_of, publish
from tests.segments.helpers import identify, track


@pytest.fixture
def reset_code(engine: Engine, clock: ManualClock, workspace: Workspace) -> str:
    """Alice's inbox holds a password reset code; returns the message id."""
    with write_transaction(engine) as connection:
        template = {"key": "reset", "channel": "inbox", "title": "Reset", "body": "Code 493-112"}
        save_template(connection, workspace.id, parse_template(template), clock.now())
    journey = {"key": "reset", "name": "reset", "trigger": {"event": "Reset Asked"},
               "start": "send", "nodes": {"send": {"type": "message", "channel": "inbox",
                                                   "template": "reset"}}}  # fmt: skip
    published = publish(engine, clock, workspace.id, journey)
    deliver(engine, clock, workspace.id,
            identify("alice", clock.now(), email="alice@example.com"),
            track("alice", "Reset Asked", clock.now()),
            identify("eve", clock.now(), email="eve@example.com"))  # fmt: skip
    (message,) = messages_of(engine, published)
    return str(message["id"])


def secret_of(client: httpx.Client, workspace: Workspace) -> str:
    made = client.post("/api/v1/identity-secret", headers=bearer(workspace.admin_token))
    assert made.status_code == 201, made.text
    return str(made.json()["secret"])


def test_without_an_identity_secret_nobody_reads_an_inbox(
    client: httpx.Client, workspace: Workspace, reset_code: str
) -> None:
    auth = (workspace.write_key, "")
    answer = client.get("/v1/inbox", params={"userId": "alice"}, auth=auth)
    assert answer.status_code == 401
    assert "userHash" in answer.json()["error"]["message"]
    assert "493-112" not in answer.text
    guessed = {"userId": "alice", "userHash": user_hash("", "alice")}
    assert client.get("/v1/inbox", params=guessed, auth=auth).status_code == 401
    dismissed = client.post(f"/v1/inbox/{reset_code}/dismissed", params=guessed, auth=auth)
    assert dismissed.status_code == 401
    shown = client.get("/api/v1/identity-secret", headers=bearer(workspace.admin_token))
    assert shown.json() == {"configured": False, "created_at": None}


def test_the_write_key_alone_reads_and_marks_nobodys_messages(
    client: httpx.Client, workspace: Workspace, reset_code: str
) -> None:
    secret = secret_of(client, workspace)
    auth = (workspace.write_key, "")
    alice = {"userId": "alice", "userHash": user_hash(secret, "alice")}
    eve = {"userId": "eve", "userHash": user_hash(secret, "eve")}
    forged = [
        {"userId": "alice"},
        {"userId": "alice", "userHash": eve["userHash"]},  # eve's own proof, for alice
        {"userId": "alice", "userHash": alice["userHash"][:-1]},
        {"userId": "alice", "userHash": "é" * 64},
        {"userId": "alice", "userHash": "0" * 400},
        {"anonymousId": "alice", "userHash": user_hash(secret, "someone-else")},
        {"userId": "alice", "userHash": user_hash("not-the-secret", "alice")},
    ]
    for params in forged:
        answer = client.get("/v1/inbox", params=params, auth=auth)
        assert answer.status_code == 401, params
        assert "493-112" not in answer.text
        marked = client.post(f"/v1/inbox/{reset_code}/dismissed", params=params, auth=auth)
        assert marked.status_code == 401, params
    # Eve, verified as herself, cannot touch Alice's message either.
    assert (
        client.post(f"/v1/inbox/{reset_code}/dismissed", params=eve, auth=auth).status_code == 404
    )
    assert client.get("/v1/inbox", params=eve, auth=auth).json() == {"messages": []}
    (shown,) = client.get("/v1/inbox", params=alice, auth=auth).json()["messages"]
    assert shown["body"] == "Code 493-112"  # not dismissed by anyone above
    upper = {**alice, "userHash": alice["userHash"].upper()}
    assert client.get("/v1/inbox", params=upper, auth=auth).status_code == 200


def test_a_new_identity_secret_ends_the_old_hashes(
    client: httpx.Client, workspace: Workspace, reset_code: str
) -> None:
    auth = (workspace.write_key, "")
    first = secret_of(client, workspace)
    old = {"userId": "alice", "userHash": user_hash(first, "alice")}
    assert client.get("/v1/inbox", params=old, auth=auth).status_code == 200
    second = secret_of(client, workspace)
    assert second != first
    assert client.get("/v1/inbox", params=old, auth=auth).status_code == 401
    new = {"userId": "alice", "userHash": user_hash(second, "alice")}
    assert len(client.get("/v1/inbox", params=new, auth=auth).json()["messages"]) == 1
    shown = client.get("/api/v1/identity-secret", headers=bearer(workspace.admin_token)).json()
    assert shown["configured"] is True
    assert second not in str(shown)


def test_a_user_ids_hash_never_proves_an_anonymous_id_nor_the_reverse(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace,
    reset_code: str,
) -> None:  # fmt: skip
    """A site's backend that vouches for whatever anonymousId its browser shows cannot be
    made to prove a userId: eve sets hers to alice's userId and has it vouched for."""
    secret = secret_of(client, workspace)
    auth = (workspace.write_key, "")
    vouched = anonymous_hash(secret, "alice")
    as_alice = {"userId": "alice", "userHash": vouched}
    # A userId hash for an anonymousId, and a userId shaped like a hashed anonymousId.
    as_browser = {"anonymousId": "alice", "userHash": user_hash(secret, "alice")}
    shaped = {"userId": "anon:alice", "userHash": user_hash(secret, "anon:alice")}
    for params in (as_alice, as_browser, shaped):
        assert client.get("/v1/inbox", params=params, auth=auth).status_code == 401, params
        decided = client.get("/v1/decide", params={**params, "placement": "hero"}, auth=auth)
        assert decided.status_code == 401, params
        site = client.get("/v1/preferences", params=params, auth=auth, follow_redirects=False)
        assert site.status_code == 401, params
    contact = {"anonymousId": "b-1", "traits": {"email": "eve@example.com"}}
    with write_transaction(engine) as connection:
        browser_key = create_key(connection, workspace.id, KeyKind.WRITE, clock.now(), browser=True)
    wrong = {**contact, "context": {"userHash": user_hash(secret, "b-1")}}
    assert client.post("/v1/identify", json=wrong, headers=basic(browser_key)).status_code == 400
    # Each kind proves its own.
    own = {"anonymousId": "alice", "userHash": vouched}
    assert client.get("/v1/inbox", params=own, auth=auth).json() == {"messages": []}
    right = {**contact, "context": {"userHash": anonymous_hash(secret, "b-1")}}
    assert client.post("/v1/identify", json=right, headers=basic(browser_key)).status_code == 200
    alice = {"userId": "alice", "userHash": user_hash(secret, "alice")}
    assert len(client.get("/v1/inbox", params=alice, auth=auth).json()["messages"]) == 1
