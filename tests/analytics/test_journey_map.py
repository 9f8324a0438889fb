"""The journey map of a shop with three staged journeys: stages in order with their
touchpoints and volumes, how many went on to the next stage, and the pain points."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.channels.settings import EmailSettings, save_settings
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, publish, run
from tests.segments.helpers import track


def staged(key: str, stage: str, trigger: str, channel: str) -> dict[str, Any]:
    send = {"type": "message", "channel": channel, "template": key}
    return {"key": key, "name": key.title(), "stage": stage, "trigger": {"event": trigger},
            "start": "send", "nodes": {"send": send}}  # fmt: skip


def test_the_map_shows_stages_progress_and_pain_points(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    with write_transaction(engine) as connection:  # e-mail is set up, its template missing
        save_settings(connection, workspace.id, "email",
                      EmailSettings(url="smtp://127.0.0.1:9", sender="s@acme.example",
                                    links_url="https://acme.example"), clock.now())  # fmt: skip
    for definition in (staged("welcome", "awareness", "Signed Up", "push"),
                       staged("browse", "consideration", "Product Viewed", "push"),
                       staged("cart", "conversion", "Product Added", "email")):  # fmt: skip
        publish(engine, clock, workspace.id, definition)
    start = clock.now()
    people = [f"m{i}" for i in range(40)]
    deliver(engine, clock, workspace.id,
            *(track(p, "Signed Up", start) for p in people),
            *(track(p, "Product Viewed", start) for p in people[:30]),
            *(track(p, "Product Added", start) for p in people[:24]))  # fmt: skip
    run(engine, clock)

    query = {"from": (start - timedelta(hours=1)).isoformat(),
             "to": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    answer = client.get("/api/v1/journey-map", params=query, headers=bearer(workspace.admin_token))
    assert answer.status_code == 200, answer.text
    found = answer.json()
    stages = {s["stage"]: s for s in found["stages"]}
    assert [s["stage"] for s in found["stages"]] == [
        "awareness", "consideration", "conversion", "retention", "advocacy"]  # fmt: skip
    awareness = stages["awareness"]
    assert [j["key"] for j in awareness["journeys"]] == ["welcome"]
    assert (awareness["events"], awareness["channels"]) == (["Signed Up"], ["push"])
    assert (awareness["entries"], awareness["profiles"], awareness["delivered"]) == (40, 40, 40)
    assert awareness["to_next_stage"] == 0.75  # 30 of 40 went on to browse
    assert stages["consideration"]["to_next_stage"] == 0.8  # 24 of 30 added to a cart
    assert stages["conversion"]["to_next_stage"] == 0.0  # no retention journey entered
    assert stages["retention"]["to_next_stage"] is None
    assert {"journey": "cart", "node": "send", "kind": "failure", "rate": 1.0} in found[
        "pain_points"]  # fmt: skip
