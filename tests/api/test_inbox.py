"""The inbox over real HTTP, on both databases: a trait holding markup reaches the site as
plain text in `body` and escaped in `html`, never as markup."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.workspaces import user_hash
from tests.api.test_inbox_identity import secret_of
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, publish
from tests.segments.helpers import identify, track

HOSTILE = "<img src=x onerror=alert(1)>"


def test_a_trait_holding_markup_is_plain_text_in_body_and_escaped_in_html(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    with write_transaction(engine) as connection:
        plain = {"key": "plain", "channel": "inbox", "title": "For you",
                 "body": "Hello {{ profile.traits.firstName }}\nSee you & soon"}  # fmt: skip
        own = {"key": "own", "channel": "inbox", "body": "Hi {{ profile.traits.firstName }}",
               "html": "<b>{{ profile.traits.firstName }}</b>"}  # fmt: skip
        for template in (plain, own):
            save_template(connection, workspace.id, parse_template(template), clock.now())
    send = {"type": "message", "channel": "inbox"}
    nodes = {
        "plain": {**send, "template": "plain", "next": "own"},
        "own": {**send, "template": "own"},
    }
    journey = {"key": "hello", "name": "hello", "trigger": {"event": "Hello"}, "start": "plain",
               "nodes": nodes}  # fmt: skip
    publish(engine, clock, workspace.id, journey)
    deliver(engine, clock, workspace.id, identify("mal", clock.now(), firstName=HOSTILE))
    deliver(engine, clock, workspace.id, track("mal", "Hello", clock.now()))

    mal = {"userId": "mal", "userHash": user_hash(secret_of(client, workspace), "mal")}
    shown = client.get("/v1/inbox", params=mal, auth=(workspace.write_key, ""))
    assert shown.status_code == 200, shown.text
    by_body = {m["body"].split(" ")[0]: m for m in shown.json()["messages"]}
    plain_shown, own_shown = by_body["Hello"], by_body["Hi"]
    assert plain_shown["body"] == f"Hello {HOSTILE}\nSee you & soon"
    assert plain_shown["html"] == "Hello &lt;img src=x onerror=alert(1)&gt;<br>See you &amp; soon"
    assert own_shown["body"] == f"Hi {HOSTILE}"
    assert "<b>&lt;img src=x onerror=alert(1)&gt;</b>" in own_shown["html"]
    assert "<img" not in plain_shown["html"] + own_shown["html"]
