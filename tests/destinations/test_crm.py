"""CRM sync on both databases against a real local CRM: contacts upserted on trait
changes, each field under its conflict rule, limited to a segment, retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine
from standardwebhooks import Webhook

from baton.core.clock import ManualClock
from baton.destinations import DEAD, deliveries
from baton.segments.store import Kind
from baton.storage.database import connect
from tests.destinations.helpers import configure, destination, near_now, new_workspace
from tests.identity.helpers import profile, send
from tests.journeys.helpers import run
from tests.segments.helpers import define, identify
from tests.servers import Answer, HttpServer, Request

FIELDS = {
    "email": {"trait": "email", "transform": "lower", "rule": "baton_wins"},
    "plan": {"trait": "plan", "rule": "crm_wins"},
    "city": {"trait": "city", "transform": "trim", "rule": "fill_empty"},
    "score": {"trait": "score", "rule": "newest_wins"},
}


class Crm:
    """Contacts by external id; `down` answers 503 that many times first."""

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.down = 0

    def respond(self, request: Request) -> Answer:
        if self.down:
            self.down -= 1
            return 503, {}, b"down"
        external_id = request.path.removeprefix("/crm/contacts/")
        if request.method == "PUT":
            self.contacts[external_id] = orjson.loads(request.body)
            return 200, {}, b"{}"
        found = self.contacts.get(external_id)
        return (404, {}, b"") if found is None else (200, {}, orjson.dumps(found))


@pytest.fixture
def engine(own_database: str) -> Iterator[Engine]:
    engine = connect(own_database)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return near_now()


def test_contacts_follow_their_fields_conflict_rules(engine: Engine, clock: ManualClock) -> None:
    workspace_id = new_workspace(engine, clock)
    crm = Crm()
    with HttpServer(crm.respond) as server:
        configure(
            engine, clock, workspace_id, "crm", kind="crm", url=f"{server.url}/crm",
            fields=FIELDS, batch_size=10, batch_wait="5s", token="crm-token",
        )  # fmt: skip
        now = clock.now()
        send(engine, clock, workspace_id, identify("ann", now, email="Ann@X.io", plan="pro",
             city=" Pécs ", score=1))  # fmt: skip
        send(engine, clock, workspace_id, identify("bob", now, email="bob@x.io", plan="free"))
        ann = profile(engine, workspace_id, "ann")["id"]
        bob = profile(engine, workspace_id, "bob")["id"]
        # The CRM knows Ann already: a plan of its own, no city, a score set later.
        later = (now + timedelta(days=1)).isoformat()
        crm.contacts[ann] = {
            "fields": {"email": "old@x.io", "plan": "enterprise", "city": "", "score": 9},
            "updated_at": {"score": later},
        }
        run(engine, clock)
        clock.advance(timedelta(seconds=5))
        run(engine, clock)
        assert crm.contacts[ann]["fields"] == {
            "email": "ann@x.io",  # baton_wins, lower-cased
            "plan": "enterprise",  # crm_wins
            "city": "Pécs",  # fill_empty, trimmed
            "score": 9,  # newest_wins: the CRM's is newer
        }
        # A new contact takes every mapped trait.
        assert crm.contacts[bob]["fields"] == {"email": "bob@x.io", "plan": "free"}
        puts = [r for r in server.requests if r.method == "PUT"]
        assert all(r.headers["Authorization"] == "Bearer crm-token" for r in puts)
        secret = destination(engine, workspace_id, "crm").settings.secret
        Webhook(secret).verify(puts[0].body, puts[0].headers)
        # Baton's newer score wins now; the CRM's plan still stands.
        crm.down = 1
        send(engine, clock, workspace_id, identify("ann", clock.now() + timedelta(days=2), score=7,
             plan="team"))  # fmt: skip
        run(engine, clock)
        clock.advance(timedelta(seconds=5))
        run(engine, clock)  # 503: retried after its backoff
        assert crm.contacts[ann]["fields"]["score"] == 9
        clock.advance(timedelta(minutes=1))
        run(engine, clock)
        assert crm.contacts[ann]["fields"]["score"] == 7
        assert crm.contacts[ann]["fields"]["plan"] == "enterprise"


def test_only_members_of_its_segment_are_synced(engine: Engine, clock: ManualClock) -> None:
    workspace_id = new_workspace(engine, clock)
    crm = Crm()
    with HttpServer(crm.respond) as server:
        define(engine, clock, workspace_id, Kind.SEGMENT,
               {"key": "paying", "name": "Paying",
                "condition": {"trait": "plan", "op": "equals", "value": "pro"}})  # fmt: skip
        configure(
            engine, clock, workspace_id, "crm", kind="crm", url=f"{server.url}/crm",
            fields={"plan": {"trait": "plan"}}, segment="paying", batch_size=1, max_attempts=1,
        )  # fmt: skip
        now = clock.now()
        send(engine, clock, workspace_id, identify("ann", now, plan="pro"))
        run(engine, clock)
        send(engine, clock, workspace_id, identify("bob", now, plan="free"))
        run(engine, clock)
        assert list(crm.contacts) == [profile(engine, workspace_id, "ann")["id"]]
        crm.down = 1
        send(engine, clock, workspace_id, identify("ann", clock.now(), plan="pro", seats=3))
        send(engine, clock, workspace_id, identify("ann", clock.now(), plan="pro"))
        run(engine, clock)
        with engine.connect() as connection:
            found = destination(engine, workspace_id, "crm")
            assert deliveries(connection, found, DEAD, None, 10).items == []
