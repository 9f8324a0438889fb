"""What `/metrics` reads in one process: the queues and lags from the database at the
clock's instant, and the tracking API's refusals, those of backpressure included.
(tests/cli/test_metrics.py scrapes a real `baton serve` and its workers.)"""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from baton.api.metrics import Backlogs
from baton.core.metrics import exposition
from baton.journeys import process_inbox
from tests.api.test_backpressure import _batch, _reading_shows, served
from tests.api.test_tracking import basic
from tests.conftest import process_all
from tests.journeys.helpers import publish


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def refused(route: str, reason: str) -> float:
    found = REGISTRY.get_sample_value(
        "baton_ingest_rejected_total", {"route": route, "reason": reason}
    )
    return found or 0.0


def test_queues_and_refusals_as_scraped(own_database: str) -> None:
    with served(own_database, max_backlog=1) as s:
        before = refused("track", "overloaded"), refused("batch", "invalid")
        key = basic(s.write_key)
        assert s.client.post("/v1/batch", json=_batch(2), headers=key).status_code == 200
        assert s.client.post("/v1/batch", json={"batch": [{}]}, headers=key).status_code == 400
        s.clock.advance(timedelta(seconds=90))
        _reading_shows(s, busy=True)
        # Backpressure refuses before the route runs: counted under the route all the same.
        assert s.client.post("/v1/t", json=_batch(1)["batch"][0], headers=key).status_code == 503
        assert refused("track", "overloaded") == before[0] + 1
        assert refused("batch", "invalid") == before[1] + 1

        scraped = samples(exposition([Backlogs(s.runtime)]).decode())
    events = (("queue", "events"), ("stage", "identity"))
    assert scraped[("baton_backlog", events)] == 2
    assert scraped[("baton_backlog_due", events)] == 2
    assert scraped[("baton_stage_lag_seconds", events)] == 90
    outbox = (("queue", "outbox"), ("stage", "delivery"))
    assert scraped[("baton_backlog", outbox)] == 0
    assert scraped[("baton_stage_lag_seconds", outbox)] == 0
    assert scraped[("baton_timer_lag_seconds", ())] == 0


def test_timer_lag_counts_from_the_oldest_due_wake_up(own_database: str) -> None:
    with served(own_database) as s:
        nodes = {"pause": {"type": "delay", "duration": "1h", "next": "done"},
                 "done": {"type": "exit"}}  # fmt: skip
        publish(s.runtime.engine, s.clock, s.workspace_id, {"key": "later", "name": "Later",
                "trigger": {"event": "E"}, "start": "pause", "nodes": nodes})  # fmt: skip
        key = basic(s.write_key)
        assert s.client.post("/v1/batch", json=_batch(1), headers=key).status_code == 200
        process_all(s.runtime.engine, s.clock)
        process_inbox(s.runtime.engine, s.clock)
        s.clock.advance(timedelta(minutes=30))
        waiting = samples(exposition([Backlogs(s.runtime)]).decode())
        s.clock.advance(timedelta(minutes=30, seconds=45))
        late = samples(exposition([Backlogs(s.runtime)]).decode())
    timers = (("queue", "timers"), ("stage", "journeys"))
    assert (waiting[("baton_backlog", timers)], waiting[("baton_backlog_due", timers)]) == (1, 0)
    assert waiting[("baton_timer_lag_seconds", ())] == 0
    assert late[("baton_backlog_due", timers)] == 1
    assert late[("baton_timer_lag_seconds", ())] == 45
    assert late[("baton_stage_lag_seconds", timers)] == 45
