"""Deeply nested messages, over real HTTP on both databases: one once passed parsing,
failed encoding, answered 500 and lost its whole batch, which SDKs then retried forever.
Each too-deep message is refused on its own with a 400 reason; the rest are stored."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from baton.ingest.messages import MAX_DEPTH
from tests.api.test_tracking import basic, stored
from tests.conftest import Workspace, process_all


def nested(levels: int) -> dict[str, Any]:
    """A message whose objects nest `levels` deep, counting the message itself."""
    value: dict[str, Any] = {}
    for _ in range(levels - 2):
        value = {"a": value}
    return {"type": "track", "userId": "deep", "event": "Deep", "properties": value}


def test_a_message_at_the_limit_is_stored_and_resolved(
    client: httpx.Client, engine: Engine, workspace: Workspace, clock: Any
) -> None:
    answer = client.post("/v1/track", json=nested(MAX_DEPTH), headers=basic(workspace.write_key))
    assert answer.status_code == 200, answer.text
    process_all(engine, clock)
    (row,) = stored(engine, workspace.id)
    assert row["profile_id"] is not None
    assert row["error"] is None


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 254, 300, 1000, 5000])
def test_a_too_deep_message_is_refused_alone(
    client: httpx.Client, engine: Engine, workspace: Workspace, levels: int
) -> None:
    deep = deep_json(levels)
    headers = {**basic(workspace.write_key), "Content-Type": "application/json"}
    single = client.post("/v1/track", content=deep, headers=headers)
    # Refused for its depth, or for its size first (5,000 levels are over 32 KB).
    assert single.json()["error"]["code"] in ("invalid", "too_large"), single.text
    assert single.status_code in (400, 413)
    good = orjson.dumps({"type": "track", "userId": "deep", "event": "Shallow"})
    batch = b'{"batch": [' + good + b"," + deep + b"," + good + b"]}"
    answer = client.post("/v1/batch", content=batch, headers=headers)
    if levels > 1024:
        # Past the JSON parser's own depth limit no part of the body can be read: 400.
        assert answer.status_code == 400
        assert "depth limit" in answer.json()["error"]["message"]
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 2
    ((rejected),) = answer.json()["rejected"]
    assert rejected["index"] == 1
    assert f"{MAX_DEPTH} levels" in rejected["message"]
    assert [row["event"] for row in stored(engine, workspace.id)] == ["Shallow", "Shallow"]


def deep_json(levels: int) -> bytes:
    """`nested(levels)` as JSON text, built by hand: encoders refuse to go this deep."""
    inner = levels - 2
    head = b'{"type": "track", "userId": "deep", "event": "Deep", "properties": '
    return head + b'{"a": ' * inner + b"{}" + b"}" * inner + b"}"
