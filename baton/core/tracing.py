"""Optional OpenTelemetry traces: one event followed from its HTTP request through
identity, journeys and delivery, across the processes that handle it.

Off unless the standard settings ask for it: `OTEL_TRACES_EXPORTER` (`otlp`, `console`,
or `none`) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); the exporter reads the rest of `OTEL_*` itself
(headers, timeout, `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`). Off, nothing of
OpenTelemetry is loaded and every function here returns at once.

An event crosses processes through the database: the ingest request's span context is
stored with the event (`events.traceparent`, W3C Trace Context), each stage starts its
span as a child of the one stored, and a message a journey queues stores the journey
span's in turn (`messages.traceparent`) for delivery.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from baton.core.errors import ConfigurationError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, SpanKind, Tracer

__all__ = [
    "began",
    "configure_tracing",
    "current_traceparent",
    "enabled",
    "record_stage",
    "request_span",
    "stage_span",
    "stop_tracing",
    "tracing_asked",
]

_NOTHING: AbstractContextManager[None] = nullcontext()
# The span context work in this context continues, as a W3C `traceparent`.
_CURRENT: ContextVar[str | None] = ContextVar("baton_traceparent", default=None)
_tracer: Tracer | None = None
_provider: TracerProvider | None = None


def tracing_asked(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the `OTEL_*` settings turn traces on."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporters:
        return exporters != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure_tracing(
    environ: Mapping[str, str] = os.environ, exporter: SpanExporter | None = None
) -> bool:
    """Turn traces on when the settings ask (or to `exporter`, for tests); returns
    whether they are on."""
    global _tracer, _provider
    if exporter is None and not tracing_asked(environ):
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    service = environ.get("OTEL_SERVICE_NAME", "baton")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        for chosen in _exporters(environ):
            provider.add_span_processor(BatchSpanProcessor(chosen))
    _provider, _tracer = provider, provider.get_tracer("baton")
    return True


def _exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    names = [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "otlp").lower().split(",")]
    found: list[SpanExporter] = []
    for name in filter(None, names):
        if name == "otlp":
            protocol = environ.get(
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            )
            if protocol != "http/protobuf":
                raise ConfigurationError(
                    f"OTEL_EXPORTER_OTLP_PROTOCOL: Baton exports http/protobuf, not {protocol!r}"
                )
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            found.append(OTLPSpanExporter())
        elif name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            found.append(ConsoleSpanExporter())
        else:
            raise ConfigurationError(
                f"OTEL_TRACES_EXPORTER: Baton knows otlp, console and none, not {name!r}"
            )
    return found


def stop_tracing() -> None:
    """Send the spans still buffered and turn traces off."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _provider = _tracer = None


def enabled() -> bool:
    return _tracer is not None


def current_traceparent() -> str | None:
    """The span context the current work continues (None with traces off)."""
    return _CURRENT.get()


def request_span(
    name: str, headers: Mapping[str, str], **attributes: str | int
) -> AbstractContextManager[None]:
    """A server span for an HTTP request, a child of the caller's `traceparent` header
    when it sent one; work inside continues it (`current_traceparent`)."""
    if _tracer is None:
        return _NOTHING
    from opentelemetry.trace import SpanKind

    return _span(name, headers.get("traceparent"), SpanKind.SERVER, attributes)


def stage_span(
    name: str, traceparent: str | None, **attributes: str | int
) -> AbstractContextManager[None]:
    """A stage's span for one item that came with `traceparent` (nothing for an item
    that came without one); work inside continues it."""
    if _tracer is None or traceparent is None:
        return _NOTHING
    from opentelemetry.trace import SpanKind

    return _span(name, traceparent, SpanKind.CONSUMER, attributes)


@contextmanager
def _span(
    name: str, parent: str | None, kind: SpanKind, attributes: Mapping[str, str | int]
) -> Iterator[None]:
    assert _tracer is not None
    span = _tracer.start_span(name, _context_of(parent), kind, dict(attributes))
    token = _CURRENT.set(_traceparent_of(span))
    try:
        yield
    except BaseException as error:
        span.record_exception(error)
        raise
    finally:
        _CURRENT.reset(token)
        span.end()


def began() -> int:
    """The instant a batch began, for `record_stage` (0 with traces off)."""
    return time.time_ns() if _tracer is not None else 0


def record_stage(
    name: str, items: Iterable[tuple[str | None, Mapping[str, str | int]]], since: int
) -> None:
    """Spans for a batch already done, one per item that came with a `traceparent`,
    from `since` (`began()`) until now: a batch moves its items together."""
    if _tracer is None:
        return
    from opentelemetry.trace import SpanKind

    for traceparent, attributes in items:
        if traceparent is not None:
            span = _tracer.start_span(
                name, _context_of(traceparent), SpanKind.CONSUMER, dict(attributes), (), since
            )
            span.end()


def _context_of(traceparent: str | None) -> Any:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    if traceparent is None:
        return None
    return TraceContextTextMapPropagator().extract({"traceparent": traceparent})


def _traceparent_of(span: Span) -> str | None:
    """The span's context as a `traceparent`; None for a span not sampled (nothing
    would record its children)."""
    from opentelemetry.trace import set_span_in_context
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    if not span.get_span_context().trace_flags.sampled:
        return None
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier, set_span_in_context(span))
    return carrier.get("traceparent")
