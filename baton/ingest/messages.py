"""Validation of Segment Tracking API messages into the rows Baton stores.

The rules follow the Segment spec: every message needs `userId` or `anonymousId` (a JSON
null or empty string counts as absent), `track` needs `event`, `alias` needs `previousId`,
`group` needs `groupId`. Fields Baton does not model are kept verbatim in `extra`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from baton.core.errors import BatonError, InvalidInput, PayloadTooLarge
from baton.core.validation import refuse_nul
from baton.ingest.contact_points import ContactGuard
from baton.timeline import is_inbound, is_reserved

MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_MESSAGES = 2500
# Objects and arrays inside one message; deeper ones cannot be stored (orjson encodes 255).
MAX_DEPTH = 64
_TOO_DEEP = f"a message may nest objects and arrays {MAX_DEPTH} levels deep at most"
MAX_ID_LENGTH = 200
MESSAGE_TYPES = frozenset({"identify", "track", "page", "screen", "group", "alias"})

_REQUIRED_BY_TYPE = {"track": "event", "alias": "previousId", "group": "groupId"}
# Set by Baton or applied from the batch envelope; never kept from the client as extras.
_MODELLED = frozenset(
    {
        "type", "messageId", "timestamp", "originalTimestamp", "sentAt", "receivedAt",
        "userId", "anonymousId", "event", "name", "groupId", "previousId", "properties",
        "traits", "context", "integrations", "writeKey",
    }
)  # fmt: skip


@dataclass(slots=True)
class Message:
    """One accepted message, normalized and ready to store."""

    message_id: str
    type: str
    event: str | None
    name: str | None
    user_id: str | None
    anonymous_id: str | None
    group_id: str | None
    previous_id: str | None
    timestamp: datetime
    original_timestamp: datetime | None
    sent_at: datetime | None
    received_at: datetime
    properties: dict[str, Any] | None
    traits: dict[str, Any] | None
    context: dict[str, Any]
    integrations: dict[str, Any] | None
    extra: dict[str, Any] | None

    def row(self, workspace_id: str) -> dict[str, Any]:
        return {
            "workspace_id": workspace_id,
            "message_id": self.message_id,
            "type": self.type,
            "event": self.event,
            "name": self.name,
            "user_id": self.user_id,
            "anonymous_id": self.anonymous_id,
            "group_id": self.group_id,
            "previous_id": self.previous_id,
            "timestamp": self.timestamp,
            "original_timestamp": self.original_timestamp,
            "sent_at": self.sent_at,
            "received_at": self.received_at,
            "properties": self.properties,
            "traits": self.traits,
            "context": self.context,
            "integrations": self.integrations,
            "extra": self.extra,
        }


class ReservedEvent(InvalidInput):
    code = "reserved_event"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the message at `index` of a batch was not stored."""

    index: int
    code: str
    message: str
    field: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "code": self.code,
            "message": self.message,
            "field": self.field,
        }


def parse_message(
    raw: Any,
    *,
    received_at: datetime,
    ip: str | None,
    size: int,
    message_type: str | None = None,
    envelope: Mapping[str, Any] | None = None,
    guard: ContactGuard | None = None,
    encoded: bytes | None = None,
    inbound: bool = False,
) -> Message:
    """Validate one message. `message_type` comes from the URL for single-message calls;
    `envelope` holds batch-level `context` and `sentAt` that apply to every message;
    `encoded`, the message as JSON when the caller has it, spares a walk for NUL text;
    `inbound` when Baton's verified Twilio path made it, which alone may record a
    person's text (`SMS Received`)."""
    if not isinstance(raw, dict):
        raise InvalidInput("a message must be a JSON object")
    # Each level opens an object or array: with few of them in the JSON, skip the walk.
    openers = MAX_DEPTH + 1 if encoded is None else encoded.count(b"{") + encoded.count(b"[")
    if openers > MAX_DEPTH and _deeper_than(raw, MAX_DEPTH):
        raise InvalidInput(_TOO_DEEP)
    if encoded is None or b"\\u0000" in encoded:
        refuse_nul(raw)
    if size > MAX_MESSAGE_BYTES:
        raise PayloadTooLarge(
            f"message is {size} bytes; the limit is {MAX_MESSAGE_BYTES} bytes (32 KB) per message"
        )
    kind = message_type or raw.get("type")
    if kind not in MESSAGE_TYPES:
        allowed = ", ".join(sorted(MESSAGE_TYPES))
        raise InvalidInput(f"type must be one of {allowed}; got {kind!r}", field="type")
    user_id = _identifier(raw, "userId")
    anonymous_id = _identifier(raw, "anonymousId")
    if user_id is None and anonymous_id is None:
        raise InvalidInput("a message needs a userId or an anonymousId", field="userId")
    if guard is not None:
        guard.check(raw, str(user_id or anonymous_id), anonymous=not user_id)
    required = _REQUIRED_BY_TYPE.get(kind)
    if required is not None and _text(raw, required) is None:
        raise InvalidInput(f"a {kind} message needs {required}", field=required)
    if kind == "alias" and user_id is None:
        raise InvalidInput("an alias message needs the new userId", field="userId")
    event = _text(raw, "event")
    if (
        kind == "track"
        and event is not None
        and is_reserved(event)
        and not (inbound and is_inbound(event))
    ):
        raise ReservedEvent(
            f"{event!r} is an event Baton emits itself (segment changes, message outcomes, "
            "texts received, inbox marks, tasks, consent): clients cannot send it",
            field="event",
        )

    envelope = envelope or {}
    context = {**(_object(envelope, "context") or {}), **(_object(raw, "context") or {})}
    if ip and "ip" not in context:
        context["ip"] = ip
    original = _instant(raw, "originalTimestamp") or _instant(raw, "timestamp")
    sent_at = _instant(raw, "sentAt") or _instant(envelope, "sentAt")
    if original is None:
        timestamp = received_at
    elif sent_at is None:
        timestamp = original
    else:
        # Correct for the client's clock: it measured (sentAt - originalTimestamp) itself.
        try:
            timestamp = received_at - (sent_at - original)
        except OverflowError:
            raise InvalidInput(
                "sentAt and timestamp are too far apart to correct the client's clock",
                field="sentAt",
            ) from None
    extra = {key: value for key, value in raw.items() if key not in _MODELLED}
    return Message(
        message_id=_identifier(raw, "messageId") or str(uuid.uuid4()),
        type=kind,
        event=event,
        name=_text(raw, "name"),
        user_id=user_id,
        anonymous_id=anonymous_id,
        group_id=_identifier(raw, "groupId"),
        previous_id=_identifier(raw, "previousId"),
        timestamp=timestamp,
        original_timestamp=original,
        sent_at=sent_at,
        received_at=received_at,
        properties=_object(raw, "properties"),
        traits=_object(raw, "traits"),
        context=context,
        integrations=_object(raw, "integrations"),
        extra=extra or None,
    )


def parse_batch(
    payload: Any, *, received_at: datetime, ip: str | None, guard: ContactGuard | None = None
) -> tuple[list[Message], list[Rejection]]:
    """Validate a `/v1/batch` body. Invalid messages are rejected one by one; the rest stand."""
    if not isinstance(payload, dict):
        raise InvalidInput("a batch must be a JSON object with a `batch` array")
    items = payload.get("batch")
    if not isinstance(items, list):
        raise InvalidInput("a batch needs a `batch` array of messages", field="batch")
    # Every message takes the batch's context as its own.
    refuse_nul(payload.get("context"), "context")
    if len(items) > MAX_BATCH_MESSAGES:
        raise PayloadTooLarge(
            f"batch has {len(items)} messages; the limit is {MAX_BATCH_MESSAGES} per batch",
            field="batch",
        )
    accepted: list[Message] = []
    rejected: list[Rejection] = []
    for index, item in enumerate(items):
        try:
            try:
                encoded = orjson.dumps(item)
            except orjson.JSONEncodeError:  # past orjson's own depth limit
                raise InvalidInput(_TOO_DEEP) from None
            accepted.append(
                parse_message(
                    item,
                    received_at=received_at,
                    ip=ip,
                    size=len(encoded),
                    envelope=payload,
                    guard=guard,
                    encoded=encoded,
                )
            )
        except BatonError as error:
            field = f"batch[{index}].{error.field}" if error.field else f"batch[{index}]"
            rejected.append(Rejection(index, error.code, error.message, field))
    return accepted, rejected


def _deeper_than(value: dict[str, Any], limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` levels, the value itself the
    first: level by level, without recursion (the value is an attacker's), and exact types
    because it comes from JSON (this runs for every message)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return False
    return True


def _identifier(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _text({key: str(value)}, key)  # some SDKs send numeric ids
    return _text(raw, key)


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string", field=key)
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"{key} is longer than {MAX_ID_LENGTH} characters", field=key)
    return value


def _object(raw: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = raw.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise InvalidInput(f"{key} must be a JSON object", field=key)


def _instant(raw: Mapping[str, Any], key: str) -> datetime | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be an ISO 8601 date-time string", field=key)
    try:
        parsed = datetime.fromisoformat(value)
        # In UTC, year 1 with a positive offset (or 9999 with a negative one) has no date.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{key} must be an ISO 8601 date-time, got {value[:40]!r}", field=key
        ) from None
