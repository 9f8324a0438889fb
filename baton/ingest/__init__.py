"""Segment-compatible ingestion: decode, validate, deduplicate and durably store messages."""

from baton.ingest.body import decode_body
from baton.ingest.messages import (
    MAX_BATCH_BYTES,
    MAX_BATCH_MESSAGES,
    MAX_MESSAGE_BYTES,
    MESSAGE_TYPES,
    Message,
    Rejection,
    parse_batch,
    parse_message,
)
from baton.ingest.store import store_messages

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_TYPES",
    "Message",
    "Rejection",
    "decode_body",
    "parse_batch",
    "parse_message",
    "store_messages",
]
