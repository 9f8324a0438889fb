"""Logging setup: one format, and secrets kept out of every record."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"(?i)(authorization:\s*\w+\s+|writeKey[\"'=:\s]+|b[wa]_)[A-Za-z0-9_\-]{6,}")


class RedactSecrets(logging.Filter):
    """Masks anything shaped like a Baton key or an Authorization header value."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(lambda m: m.group(1) + "***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
