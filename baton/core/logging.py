"""Logging setup: one JSON object per line, with secrets kept out of every record.

Log lines carry values clients chose (message ids, event names, URLs). As JSON, a newline
or a fake prefix inside one stays inside its string: no client can forge a line.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import orjson

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
    """A record as one line of JSON: `at`, `level`, `logger`, `message`, and `error`
    (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
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
