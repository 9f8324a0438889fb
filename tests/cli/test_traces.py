"""Traces across `baton serve`'s processes, to a real OTLP/HTTP receiver: the API's span
of a tracking request, then identity's (the first worker), then the journey's and the
delivery's (the second), all in the trace the caller's `traceparent` began."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from baton.storage.database import connect
from baton.workspaces import default_workspace_id
from tests.api.test_tracking import basic
from tests.cli.conftest import Baton
from tests.cli.test_processes import wait_for
from tests.journeys.helpers import publish
from tests.servers import Answer, HttpServer, Request, free_port

WRITE_KEY = "bw_traces_test_write_key"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
UPSTREAM = f"00-{TRACE_ID}-b7ad6b7169203331-01"


def test_one_event_is_traced_across_the_api_and_both_workers(bootstrapped: Baton) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    send = {"type": "message", "channel": "email", "template": "hello"}
    publish(engine, bootstrapped.clock, workspace_id, {"key": "hello", "name": "Hello",
            "trigger": {"event": "Go"}, "start": "send", "nodes": {"send": send}})  # fmt: skip
    engine.dispose()
    # span name -> (trace id, span id, parent span id, service name)
    received: dict[str, tuple[str, str, str, str]] = {}

    def collect(request: Request) -> Answer:
        headers = {name.lower(): value for name, value in request.headers.items()}
        if request.path != "/v1/traces" or headers["content-type"] != "application/x-protobuf":
            return 400, {}, b""
        export = ExportTraceServiceRequest.FromString(request.body)
        for resource_spans in export.resource_spans:
            service = next(
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            )
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    received[span.name] = (
                        span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex(),
                        service,
                    )  # fmt: skip
        return 200, {"Content-Type": "application/x-protobuf"}, b""

    port = free_port()
    with HttpServer(collect) as receiver:
        env = {**os.environ, **bootstrapped.env, "BATON_PORT": str(port),
               "BATON_WRITE_KEY": WRITE_KEY, "BATON_ANALYTICS_PATH": "off",
               "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_SERVICE_NAME": "baton-test",
               "OTEL_BSP_SCHEDULE_DELAY": "100"}  # fmt: skip
        server = subprocess.Popen([sys.executable, "-m", "baton", "serve"], env=env)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

                def accepted() -> bool:
                    body = {"userId": "t1", "event": "Go", "messageId": "t-1"}
                    headers = {**basic(WRITE_KEY), "traceparent": UPSTREAM}
                    try:
                        answer = client.post("/v1/track", json=body, headers=headers)
                    except httpx.TransportError:
                        return False  # not listening yet
                    return answer.status_code == 200

                wait_for(accepted, server, "the event accepted")
                everything = {"ingest track", "identity", "journeys", "delivery"}
                wait_for(lambda: everything <= set(received), server, "every stage's span")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    ingest, identity = received["ingest track"], received["identity"]
    journeys, delivery = received["journeys"], received["delivery"]
    assert {span[0] for span in (ingest, identity, journeys, delivery)} == {TRACE_ID}
    assert {span[3] for span in (ingest, identity, journeys, delivery)} == {"baton-test"}
    assert ingest[2] == UPSTREAM[36:52]
    assert identity[2] == journeys[2] == ingest[1]
    assert delivery[2] == journeys[1]
