"""Audience files for ad platforms: normalized, hashed e-mails and phones in each
platform's columns, and their scheduled upload to a real local server, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.destinations.audiences import audience_row
from baton.destinations.settings import AudienceFormat
from baton.segments.store import Kind
from baton.storage.database import connect
from tests.destinations.helpers import configure, destination, near_now, new_workspace
from tests.identity.helpers import send
from tests.journeys.helpers import run
from tests.segments.helpers import define, identify
from tests.servers import HttpServer

# SHA-256 of the normalized e-mail `janedoe@gmail.com`, as TikTok's customer-file guide
# prints it (the same normalization and hash Meta and Google document).
JANE = "d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69"
PHONE_E164 = "a6e82c2f4091baff57a4f33d01efb65bfbeacbbfbcfaa9d0ff9f57d28d78fedb"  # +16577770000
PHONE_DIGITS = "8d7bdaaf75196f351d22942fc0dd79304ffabc3eaf3339460ef9da0773e3aec2"  # 16577770000
BUYERS = {"key": "buyers", "name": "Buyers", "condition": {"trait": "buyer", "op": "exists"}}


def test_each_platform_gets_its_normalization() -> None:
    traits = {"email": "  JaneDoe@Gmail.com ", "phone": "(657) 777-0000"}
    assert audience_row(AudienceFormat.GOOGLE, traits, "US") == f"{JANE},{PHONE_E164}\n"
    assert audience_row(AudienceFormat.META, traits, "US") == f"{JANE},{PHONE_DIGITS}\n"
    international = {"phone": "+1 657-777-0000"}
    assert audience_row(AudienceFormat.META, international, "HU") == f",{PHONE_DIGITS}\n"
    assert audience_row(AudienceFormat.GOOGLE, {"email": "not an address"}, "US") is None
    assert audience_row(AudienceFormat.GOOGLE, {"email": 7, "phone": ["x"]}, "US") is None


@pytest.fixture
def engine(own_database: str) -> Iterator[Engine]:
    engine = connect(own_database)
    yield engine
    engine.dispose()


def test_an_audience_is_uploaded_on_its_schedule(engine: Engine) -> None:
    clock: ManualClock = near_now()
    workspace_id = new_workspace(engine, clock)
    define(engine, clock, workspace_id, Kind.SEGMENT, BUYERS)
    now = clock.now()
    send(engine, clock, workspace_id, identify("jane", now, buyer=True, email="JaneDoe@gmail.com",
         phone="+16577770000"), identify("nobody", now, buyer=True),
         identify("other", now, email="x@y.io"))  # fmt: skip
    run(engine, clock)
    answers = {"status": 200}
    with HttpServer(lambda _: (answers["status"], {}, b"")) as server:
        configure(engine, clock, workspace_id, "ads", kind="audience", url=f"{server.url}/up",
                  segment="buyers", format="google", schedule="hourly")  # fmt: skip
        run(engine, clock)
        (upload,) = server.requests
        assert upload.method == "PUT"
        assert upload.headers["Content-Type"].startswith("text/csv")
        assert upload.body.decode() == f"Email,Phone\n{JANE},{PHONE_E164}\n"
        found = destination(engine, workspace_id, "ads")
        assert found.last_run is not None
        assert (found.last_run["status"], found.last_run["rows"]) == ("delivered", 1)
        clock.advance(timedelta(minutes=59))
        run(engine, clock)
        assert len(server.requests) == 1
        answers["status"] = 500
        clock.advance(timedelta(minutes=1))
        run(engine, clock)
        assert len(server.requests) == 2
        failed = destination(engine, workspace_id, "ads").last_run
        assert failed is not None
        assert failed["status"] == "failed"
        assert "HTTP 500" in failed["detail"]
