"""Forging Baton's own events with the public write key, on both databases: a client's
`Segment Entered` once started the VIP journey for a bronze customer. Names Baton emits
are refused one message at a time (`reserved_event`), and one stored before the rule moves
no journey."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert

from baton.core.clock import ManualClock
from baton.segments.store import Kind
from baton.storage.database import write_transaction
from baton.storage.tables import events
from tests.api.test_tracking import basic, stored
from tests.conftest import Workspace, process_all
from tests.journeys.helpers import deliver, instances_of, publish, run
from tests.segments.helpers import define, identify

FORGED = ["Segment Entered", "segment exited", "Message Delivered", "Email Opened",
          "SMS Delivered", "Push Opened", "Inbox Message Clicked", "Task Created",
          "CONSENT CHANGED"]  # fmt: skip


def vip_journey(engine: Engine, clock: ManualClock, workspace: Workspace) -> Any:
    gold = {"trait": "plan", "op": "equals", "value": "gold"}
    define(
        engine, clock, workspace.id, Kind.SEGMENT, {"key": "vip", "name": "VIP", "condition": gold}
    )
    vip = {"key": "vip-welcome", "name": "VIP", "trigger": {"segment_entered": "vip"},
           "start": "end", "nodes": {"end": {"type": "exit"}}}  # fmt: skip
    return publish(engine, clock, workspace.id, vip)


@pytest.mark.parametrize("name", FORGED)
def test_a_reserved_name_is_refused_and_the_rest_of_the_batch_is_stored(
    client: httpx.Client, engine: Engine, workspace: Workspace, name: str
) -> None:
    single = {"userId": "bronze-1", "event": name, "properties": {"segment_key": "vip"}}
    answer = client.post("/v1/track", json=single, headers=basic(workspace.write_key))
    assert answer.status_code == 400
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == (
        "reserved_event", "event")  # fmt: skip
    friend = {"type": "track", "userId": "bronze-1", "event": "Emailed A Friend"}
    batch = {"batch": [{**single, "type": "track"}, friend]}
    answer = client.post("/v1/batch", json=batch, headers=basic(workspace.write_key))
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1
    ((rejected),) = answer.json()["rejected"]
    assert (rejected["index"], rejected["code"]) == (0, "reserved_event")
    assert [row["event"] for row in stored(engine, workspace.id)] == ["Emailed A Friend"]


def test_a_forged_segment_entered_starts_no_journey(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = vip_journey(engine, clock, workspace)
    deliver(engine, clock, workspace.id, identify("bronze-1", clock.now(), plan="bronze"))
    forged = {"userId": "bronze-1", "event": "Segment Entered",
              "properties": {"segment_key": "vip", "segment_id": "seg_x"}}  # fmt: skip
    client.post("/v1/track", json=forged, headers=basic(workspace.write_key))
    run(engine, clock)
    assert instances_of(engine, journey) == []
    deliver(engine, clock, workspace.id, identify("gold-1", clock.now(), plan="gold"))
    assert len(instances_of(engine, journey)) == 1  # Baton's own event still does


def test_a_forged_event_stored_before_the_rule_moves_no_journey(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """A database from before this rule may hold a client's `Segment Entered`: identity
    resolves it onto the timeline but does not announce it to journeys."""
    journey = vip_journey(engine, clock, workspace)
    deliver(engine, clock, workspace.id, identify("bronze-2", clock.now(), plan="bronze"))
    with write_transaction(engine) as connection:
        connection.execute(
            insert(events).values(
                workspace_id=workspace.id, message_id="forged-before", type="track",
                event="Segment Entered", user_id="bronze-2", timestamp=clock.now(),
                received_at=clock.now(), properties={"segment_key": "vip"},
            )
        )  # fmt: skip
    process_all(engine, clock)
    run(engine, clock)
    assert [row["profile_id"] is not None for row in stored(engine, workspace.id)
            if row["message_id"] == "forged-before"] == [True]  # fmt: skip
    assert instances_of(engine, journey) == []
