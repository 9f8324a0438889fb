"""A delivery's way in: verified over its raw bytes, then parsed and mapped into the
tracking API's messages; and what a person's text reply changes (STOP, START)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from sqlalchemy import Connection, select

from baton.channels import record_keyword
from baton.core.errors import InvalidInput
from baton.ingest import Message, parse_message
from baton.sources.presets import PRESET_MAPPINGS, Mapped, Reply, generic, twilio
from baton.sources.registry import Source
from baton.sources.verification import Delivery, verify
from baton.storage.tables import events

# A Twilio callback has a few dozen fields; more is abuse.
_MOST_FORM_FIELDS = 100


def read_delivery(source: Source, delivery: Delivery, now: datetime) -> Mapped:
    """What a delivery maps to. Unauthorized when its signature is missing, wrong or
    stale (nothing of the body is parsed before), InvalidInput when the body is malformed."""
    form = twilio_form(delivery.body) if source.definition.preset == "twilio" else None
    verify(source.definition, source.secret, delivery, form, now)
    return map_payload(source, form if form is not None else _json(delivery.body), delivery)


def map_payload(source: Source, payload: Any, delivery: Delivery) -> Mapped:
    """What a payload (a Twilio delivery's form fields) maps to, signature aside."""
    preset = source.definition.preset
    if preset == "twilio":
        fields = payload if isinstance(payload, dict) else {}
        return twilio({str(k): str(v) for k, v in fields.items()})
    if preset == "generic":
        return generic(source.key, source.definition, payload, delivery.headers, delivery.body)
    return PRESET_MAPPINGS[preset](payload, delivery.headers)


def twilio_form(body: bytes) -> dict[str, str]:
    """A Twilio callback's form fields (its signature covers them, not the bytes)."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8", "replace"),
            keep_blank_values=True,
            max_num_fields=_MOST_FORM_FIELDS,
        )
    except ValueError:
        raise InvalidInput(f"a form has {_MOST_FORM_FIELDS} fields at most") from None
    return dict(pairs)


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body is not JSON") from None


def messages_of(mapped: Mapped, received_at: datetime) -> list[Message]:
    """The mapped messages as the tracking API accepts them; InvalidInput (naming the
    event) when the payload gave one a value the tracking API refuses."""
    found = []
    for index, raw in enumerate(mapped.messages):
        try:
            size = len(orjson.dumps(raw))
        except TypeError:
            raise InvalidInput("the payload's values cannot be stored") from None
        try:
            found.append(
                parse_message(
                    raw, received_at=received_at, ip=None, size=size, inbound=mapped.inbound
                )
            )
        except InvalidInput as error:
            raise InvalidInput(
                f"event {index}: {error.message}", field=f"events[{index}].{error.field or ''}"
            ) from None
    return found


def apply_replies(
    connection: Connection,
    workspace_id: str,
    replies: list[Reply],
    stored: Sequence[Message],
    default_region: str,
    now: datetime,
) -> None:
    """STOP and START in a reply (in English or a seed language) change the sender's
    consent to SMS, and to WhatsApp too when the reply came over WhatsApp. A reply whose
    event an earlier delivery stored (the provider's retry or replay) changes nothing: an
    old START must not undo the STOP sent since."""
    received = {message.message_id: message.received_at for message in stored}
    for reply in replies:
        if reply.message_id is not None and not _stored_by_this_delivery(
            connection, workspace_id, reply.message_id, received.get(reply.message_id)
        ):
            continue
        record_keyword(
            connection,
            workspace_id,
            default_region,
            reply.sender,
            reply.body,
            now,
            whatsapp=reply.whatsapp,
        )


def _stored_by_this_delivery(
    connection: Connection, workspace_id: str, message_id: str, received_at: datetime | None
) -> bool:
    """Whether the event stored under `message_id` is this delivery's, received then (a
    duplicate is dropped on storing, the first copy's time stays)."""
    stored_at = connection.execute(
        select(events.c.received_at).where(
            events.c.workspace_id == workspace_id, events.c.message_id == message_id
        )
    ).scalar()
    return received_at is not None and stored_at == received_at


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
