"""Segment-compatible ingestion: decode, validate, deduplicate and durably store messages."""

from baton.ingest.body import decode_body
from baton.ingest.contact_points import ContactGuard
from baton.ingest.importer import ImportReport, import_csv, import_ndjson
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
from baton.ingest.retention import purge_expired_events
from baton.ingest.store import store_messages
from baton.ingest.writer import IngestWriter

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_TYPES",
    "ContactGuard",
    "ImportReport",
    "IngestWriter",
    "Message",
    "Rejection",
    "decode_body",
    "import_csv",
    "import_ndjson",
    "parse_batch",
    "parse_message",
    "purge_expired_events",
    "store_messages",
]
