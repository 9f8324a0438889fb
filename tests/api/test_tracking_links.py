"""Open pixels and click links are public: a forged token must not take the database's
writer, which on SQLite is the only one. With another connection holding the writer, a
forged pixel still answers at once; before the token was checked first, it queued behind
the writer for the 30-second busy timeout."""

from __future__ import annotations

import httpx
import pytest

from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.runtime import Runtime
from baton.storage.database import connect, write_transaction
from tests.conftest import START, serve_in_thread


@pytest.mark.parametrize("own_database", ["sqlite"], indirect=True)
def test_a_forged_tracking_link_is_refused_without_the_writer(own_database: str) -> None:
    settings = Settings(database_url=own_database, analytics_path="off")
    runtime = Runtime.create(settings, clock=ManualClock(START), run_processor=False)
    holder = connect(own_database)
    with (
        serve_in_thread(runtime) as url,
        httpx.Client(base_url=url, timeout=5) as client,
        write_transaction(holder),  # the writer, held by someone else
    ):
        pixel = client.get("/v1/e/o/eyJ3cyI6IndzXzEiLCJleHAiOjl9.forged")
        assert pixel.status_code == 200
        assert pixel.headers["content-type"] == "image/gif"
        click = client.get("/v1/e/c/eyJ3cyI6IndzXzEiLCJleHAiOjl9.forged")
        assert click.status_code == 400
    holder.dispose()
