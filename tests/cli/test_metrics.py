"""`/metrics` of a real `baton serve`: the API and its `baton worker` children count into
one multiprocess directory, and a scrape shows every documented series (docs/operations.md)
to the metrics token only."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from baton.core.config import Settings
from baton.core.errors import ConfigurationError
from baton.storage.database import connect
from baton.workspaces import default_workspace_id
from tests.api.test_tracking import basic
from tests.cli.conftest import Baton
from tests.cli.test_processes import wait_for
from tests.journeys.helpers import publish
from tests.servers import free_port

WRITE_KEY = "bw_metrics_test_write_key"
ADMIN_TOKEN = "ba_metrics_test_admin_token"
METRICS_TOKEN = "metrics-test-scraper-token"
DOCUMENTED = Path(__file__).parents[2] / "docs" / "operations.md"


def scrape(client: httpx.Client) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample of a scrape with the metrics token, by sample name."""
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def value(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for have, v in found.get(name, []) if labels.items() <= have.items())


def documented_series() -> set[str]:
    """The `baton_*` names docs/operations.md lists in its table of series."""
    return set(re.findall(r"^\| `(baton_\w+)`", DOCUMENTED.read_text(), re.MULTILINE))


def test_metrics_of_every_process_are_scraped_with_the_token_only(
    bootstrapped: Baton, tmp_path: Path
) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    send = {"type": "message", "channel": "email", "template": "hello"}
    definition = {"key": "hello", "name": "Hello", "trigger": {"event": "Go"}, "start": "send"}
    publish(engine, bootstrapped.clock, workspace_id, {**definition, "nodes": {"send": send}})
    engine.dispose()
    port = free_port()
    shared = tmp_path / "metrics"
    env = {**os.environ, **bootstrapped.env, "BATON_PORT": str(port),
           "BATON_WRITE_KEY": WRITE_KEY, "BATON_ADMIN_TOKEN": ADMIN_TOKEN,
           "BATON_METRICS_TOKEN": METRICS_TOKEN,
           "PROMETHEUS_MULTIPROC_DIR": str(shared)}  # fmt: skip
    shared.mkdir()
    (shared / "counter_1.db").write_bytes(b"left by an earlier run")
    server = subprocess.Popen([sys.executable, "-m", "baton", "serve"], env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            def accepted() -> bool:
                body = {"userId": "m1", "event": "Go", "messageId": "m-1"}
                try:
                    answer = client.post("/v1/track", json=body, headers=basic(WRITE_KEY))
                except httpx.TransportError:
                    return False  # not listening yet
                return answer.status_code == 200

            wait_for(accepted, server, "the event accepted")
            bad = client.post("/v1/batch", json={"batch": [{"event": "No one"}]},
                              headers=basic(WRITE_KEY))  # fmt: skip
            assert bad.status_code == 400
            assert client.post("/v1/track", json={}, headers=basic("bw_wrong")).status_code == 401

            assert client.get("/metrics").status_code == 401
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            assert client.get("/metrics", headers=admin).status_code == 403
            # The scraper's token opens /metrics and nothing else.
            scraper = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            assert client.get("/api/v1/journeys", headers=scraper).status_code == 403

            def everything_counted() -> bool:
                found = scrape(client)
                return (
                    value(found, "baton_stage_items_total", stage="identity") >= 1
                    and value(found, "baton_messages_total", channel="email") >= 1
                    and "baton_analytics_lag_seconds" in found
                )

            wait_for(everything_counted, server, "the workers' counts in a scrape")
            found = scrape(client)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert value(found, "baton_ingest_messages_total", route="track") >= 1
    assert value(found, "baton_ingest_rejected_total", route="batch", reason="invalid") == 1
    assert value(found, "baton_ingest_rejected_total", route="track", reason="unauthorized") == 1
    # Journeys and delivery run in the second worker, identity in the first: both counted.
    assert value(found, "baton_stage_items_total", stage="journeys") >= 1
    assert value(found, "baton_provider_send_seconds_count", channel="email") >= 1
    queues = {(labels["stage"], labels["queue"]) for labels, _ in found["baton_backlog"]}
    assert {("identity", "events"), ("journeys", "timers"), ("delivery", "outbox")} <= queues
    assert value(found, "baton_backlog", stage="identity", queue="events") == 0
    assert "baton_timer_lag_seconds" in found
    names = {name.removesuffix("_total").removesuffix("_count") for name in found}
    assert documented_series() - names == set()
    assert len(documented_series()) >= 12


def test_a_short_metrics_token_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="BATON_METRICS_TOKEN"):
        Settings.from_env({"BATON_METRICS_TOKEN": "guessable"})
    assert Settings.from_env({"BATON_METRICS_TOKEN": METRICS_TOKEN}).metrics_token == METRICS_TOKEN
