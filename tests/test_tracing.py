"""OpenTelemetry traces follow one event from its HTTP request through identity, the
journey it moves and the message's delivery (baton/core/tracing.py): in one process here,
with the SDK's in-memory exporter; across `baton serve`'s processes, to a real OTLP/HTTP
receiver, in tests/cli/test_traces.py."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.core.tracing import configure_tracing, stop_tracing, tracing_asked
from baton.storage.tables import events, messages
from tests.api.test_tracking import basic
from tests.conftest import Workspace
from tests.journeys.helpers import publish, run

# An upstream service's span: Baton's spans join its trace.
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
UPSTREAM = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing({}, exporter)
    try:
        yield exporter
    finally:
        stop_tracing()


def test_traces_are_off_unless_the_otel_settings_ask() -> None:
    assert not tracing_asked({})
    assert not tracing_asked({"OTEL_SERVICE_NAME": "baton"})
    assert tracing_asked({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing_asked({"OTEL_TRACES_EXPORTER": "console"})
    assert not tracing_asked(
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}
    )
    assert not tracing_asked({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"})


def test_events_and_messages_keep_no_trace_context_while_traces_are_off(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send = {"type": "message", "channel": "email", "template": "hello"}
    publish(engine, clock, workspace.id, {"key": "off", "name": "Off", "trigger": {"event": "Go"},
            "start": "send", "nodes": {"send": send}})  # fmt: skip
    body = {"userId": "quiet", "event": "Go", "messageId": "off-1"}
    headers = {**basic(workspace.write_key), "traceparent": UPSTREAM}
    assert client.post("/v1/track", json=body, headers=headers).status_code == 200
    run(engine, clock)
    with engine.connect() as connection:
        stored = connection.execute(
            select(events.c.traceparent).where(events.c.workspace_id == workspace.id)
        ).scalars()
        queued = connection.execute(
            select(messages.c.traceparent).where(messages.c.workspace_id == workspace.id)
        ).scalars()
        assert set(stored) == {None}  # the event, and Baton's record of the message
        assert list(queued) == [None]


def test_one_event_is_followed_from_http_to_delivery(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    spans: InMemorySpanExporter,
) -> None:
    send = {"type": "message", "channel": "email", "template": "hello"}
    publish(engine, clock, workspace.id, {"key": "traced", "name": "Traced",
            "trigger": {"event": "Go"}, "start": "send", "nodes": {"send": send}})  # fmt: skip
    body = {"userId": "traced", "event": "Go", "messageId": "traced-1"}
    headers = {**basic(workspace.write_key), "traceparent": UPSTREAM}
    assert client.post("/v1/track", json=body, headers=headers).status_code == 200
    run(engine, clock)

    finished = spans.get_finished_spans()
    by_name: dict[str, ReadableSpan] = {}
    for span in finished:
        by_name.setdefault(span.name, span)
    expected = {"ingest track", "identity", "journeys", "delivery"}
    assert expected <= set(by_name), f"missing spans: {sorted(expected - set(by_name))}"
    ingest, identity = by_name["ingest track"], by_name["identity"]
    journeys, delivery = by_name["journeys"], by_name["delivery"]
    for span in (ingest, identity, journeys, delivery):
        assert format(ids(span)[0], "032x") == TRACE_ID
    assert format(parent(ingest), "016x") == UPSTREAM[36:52]
    # Identity and journeys continue the request's span; delivery the journey's.
    assert parent(identity) == parent(journeys) == ids(ingest)[1]
    assert parent(delivery) == ids(journeys)[1]
    assert attribute(identity, "baton.event") == "traced-1"
    with engine.connect() as connection:
        (message_id,) = connection.execute(
            select(messages.c.id).where(messages.c.workspace_id == workspace.id)
        ).one()
    assert attribute(delivery, "baton.message") == message_id


def ids(span: ReadableSpan) -> tuple[int, int]:
    """The span's trace id and span id."""
    assert span.context is not None
    return span.context.trace_id, span.context.span_id


def parent(span: ReadableSpan) -> int:
    assert span.parent is not None
    return span.parent.span_id


def attribute(span: ReadableSpan, name: str) -> object:
    assert span.attributes is not None
    return span.attributes[name]
