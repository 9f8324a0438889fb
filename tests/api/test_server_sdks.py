"""Segment's and RudderStack's Python server SDKs, unchanged, against the real server on
both databases: a customer's backend holding a server write key sends every call, contact
points included, and Baton stores and resolves all of it. Each SDK runs as customers run
it: batched by its consumer thread and flushed, or one blocking request per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from rudderstack.analytics import Client as RudderStackClient
from rudderstack.analytics import request as rudderstack_request
from segment.analytics import Client as SegmentClient
from segment.analytics import request as segment_request
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.storage.tables import push_tokens
from tests.api.test_tracking import stored
from tests.conftest import Workspace, process_all

USER = "user-42"
ANONYMOUS = "anon-7"
EMAIL = "ada@example.com"
PHONE = "+14155550100"
TOKEN = "fcm-token-of-ada"
SDKS = {"segment": SegmentClient, "rudderstack": RudderStackClient}
# Each SDK's HTTP session, to watch (not change) what it sends.
SESSIONS = {"segment": segment_request._session, "rudderstack": rudderstack_request._session}


@contextmanager
def backend(
    sdk: str, mode: str, write_key: str, host: str, errors: list[tuple[Exception, Any]]
) -> Iterator[Any]:
    """The SDK's client as a backend configures it, flushed and shut down on exit. Batched,
    its consumer reports failures to `on_error`; blocking, each call raises them."""

    def on_error(error: Exception, batch: Any) -> None:
        errors.append((error, batch))

    # One retry: a failure surfaces in a second instead of after minutes of backoff.
    client = SDKS[sdk](
        write_key, host=host, on_error=on_error, sync_mode=mode == "blocking", max_retries=1
    )
    yield client
    if mode == "batched":
        client.shutdown()


def send_everything(client: Any) -> list[str]:
    """One call of each kind a backend makes; the message ids the SDK gave them."""
    sent = [
        client.identify(
            user_id=USER,
            traits={"email": EMAIL, "phone": PHONE, "plan": "gold", "pushToken": TOKEN},
            anonymous_id=ANONYMOUS,
        ),
        client.track(
            user_id=USER, event="Order Completed", properties={"order_id": "o-1", "total": 42.5}
        ),
        client.page(user_id=USER, category="Docs", name="Quickstart", properties={"path": "/docs"}),
        client.group(user_id=USER, group_id="acme", traits={"name": "Acme", "seats": 12}),
        client.alias(previous_id=ANONYMOUS, user_id=USER),
    ]
    assert [queued for queued, _ in sent] == [True] * len(sent)
    return [message["messageId"] for _, message in sent]


def lookup(client: httpx.Client, workspace: Workspace, **identifier: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/profiles/lookup",
        params=identifier,
        headers={"Authorization": f"Bearer {workspace.admin_token}"},
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.mark.parametrize("mode", ["batched", "blocking"])
@pytest.mark.parametrize("sdk", sorted(SDKS))
def test_a_server_sdk_sends_every_call_and_sets_contact_points(
    client: httpx.Client,
    server_url: str,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    sdk: str,
    mode: str,
) -> None:
    errors: list[tuple[Exception, Any]] = []
    with backend(sdk, mode, workspace.write_key, server_url, errors) as sdk_client:
        message_ids = send_everything(sdk_client)
    assert errors == []

    rows = stored(engine, workspace.id)
    assert [(row["message_id"], row["type"]) for row in rows] == list(
        zip(message_ids, ["identify", "track", "page", "group", "alias"], strict=True)
    )
    identify, track, page, group, alias = rows
    assert all(row["context"]["library"]["name"] == "analytics-python" for row in rows)
    # Segment sends identify's traits at the top; RudderStack only in context.traits.
    traits = identify["traits"] or identify["context"]["traits"]
    assert (traits["email"], traits["phone"]) == (EMAIL, PHONE)
    assert (track["user_id"], track["event"]) == (USER, "Order Completed")
    assert track["properties"] == {"order_id": "o-1", "total": 42.5}
    assert (page["name"], page["properties"]) == ("Quickstart", {"path": "/docs"})
    assert (group["group_id"], group["traits"]) == ("acme", {"name": "Acme", "seats": 12})
    assert (alias["previous_id"], alias["user_id"]) == (ANONYMOUS, USER)

    process_all(engine, clock)
    person = lookup(client, workspace, user_id=USER)
    assert (person["traits"]["email"], person["traits"]["phone"]) == (EMAIL, PHONE)
    assert person["event_count"] == len(message_ids)
    for identifier in ({"email": EMAIL}, {"phone": PHONE}, {"anonymous_id": ANONYMOUS}):
        assert lookup(client, workspace, **identifier)["id"] == person["id"]
    with engine.connect() as connection:
        tokens = connection.execute(
            select(push_tokens.c.token, push_tokens.c.profile_id).where(
                push_tokens.c.workspace_id == workspace.id
            )
        ).all()
    assert [(t, p) for t, p in tokens] == [(TOKEN, person["id"])]  # push can reach them


@pytest.mark.parametrize("sdk", sorted(SDKS))
def test_a_refused_batch_is_reported_once_not_retried(
    server_url: str, sdk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 4xx is final: each SDK must read it as such from Baton's answer. RudderStack's
    reads `code` and `message` at the top of the body; without them it took the 401 for a
    network error and retried it for minutes."""
    session = SESSIONS[sdk]
    answers: list[int] = []
    monkeypatch.setitem(
        session.hooks, "response", [lambda r, *_, **__: answers.append(r.status_code)]
    )
    errors: list[tuple[Exception, Any]] = []
    with backend(sdk, "batched", "bw_not_a_real_key_0001", server_url, errors) as client:
        client.track(user_id=USER, event="Order Completed")
    ((error, _),) = errors
    assert not isinstance(error, KeyError)
    assert "write key is not valid" in str(error)
    assert answers == [401]
