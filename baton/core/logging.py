"""Logging setup: one JSON object per line, with secrets kept out of every record.

Log lines carry values clients chose (message ids, event names, URLs). As JSON, a newline
or a fake prefix inside one stays inside its string: no client can forge a line.

A line also carries what its code was working on (`workspace`, `stage`, a message's or a
profile's id...), set with `log_context` by the API and the pipeline's stages: a context
variable, so each request and each thread has its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

# Fields of every line logged in the current context: a mapping replaced, never changed;
# and a request's own, which it fills in as it learns them (`request_fields`).
_FIELDS: ContextVar[dict[str, str] | None] = ContextVar("baton_log_fields", default=None)
_REQUEST: ContextVar[dict[str, str] | None] = ContextVar("baton_request_fields", default=None)
_SECRET = re.compile(r"(?i)(authorization:\s*\w+\s+|writeKey[\"'=:\s]+|b[wa]_)[A-Za-z0-9_\-]{6,}")


class RedactSecrets(logging.Filter):
    """Masks anything shaped like a Baton key or an Authorization header value."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(lambda m: m.group(1) + "***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class JsonLines(logging.Formatter):
    """A record as one line of JSON: `at`, `level`, `logger`, `message`, the context's
    fields (`log_context`), and `error` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Context fields never hide a line's own (a field named `message`, say).
        for name, value in (*(_REQUEST.get() or {}).items(), *(_FIELDS.get() or {}).items()):
            line.setdefault(name, value)
        if record.exc_info:
            line["error"] = _SECRET.sub(
                lambda m: m.group(1) + "***", self.formatException(record.exc_info)
            )
        return orjson.dumps(line).decode()


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Lines logged inside the block carry `fields` (those not None) too."""
    given = {name: value for name, value in fields.items() if value is not None}
    token = _FIELDS.set({**(_FIELDS.get() or {}), **given})
    try:
        yield
    finally:
        _FIELDS.reset(token)


def request_fields(**fields: str) -> None:
    """Fields for the rest of the current context (a request), which its code may add to
    later with `add_log_fields`, from another thread too: FastAPI runs a request's
    dependencies in copies of its context, which share this mapping."""
    _REQUEST.set(dict(fields))


def add_log_fields(**fields: str) -> None:
    """Adds to the current request's fields (nothing outside a request)."""
    found = _REQUEST.get()
    if found is not None:
        found.update(fields)
