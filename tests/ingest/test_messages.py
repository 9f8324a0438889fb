from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from baton.core.errors import InvalidInput, PayloadTooLarge
from baton.ingest import MAX_BATCH_MESSAGES, parse_batch, parse_message
from baton.ingest.messages import MAX_DEPTH

RECEIVED = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def parse(raw: Any, **options: Any) -> Any:
    return parse_message(raw, received_at=RECEIVED, ip="203.0.113.9", size=100, **options)


def test_null_anonymous_id_counts_as_absent() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse({"type": "track", "event": "X", "anonymousId": None, "userId": None})
    assert caught.value.field == "userId"
    message = parse({"type": "track", "event": "X", "anonymousId": None, "userId": "u1"})
    assert message.anonymous_id is None
    assert message.user_id == "u1"


def test_blank_ids_count_as_absent() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse({"type": "page", "anonymousId": "   ", "userId": ""})
    assert caught.value.field == "userId"


def test_numeric_user_id_is_kept_as_text() -> None:
    assert parse({"type": "identify", "userId": 42}).user_id == "42"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"type": "track", "userId": "u"}, "event"),
        ({"type": "wave", "userId": "u"}, "type"),
        ({"userId": "u"}, "type"),
        ({"type": "alias", "userId": "u"}, "previousId"),
        ({"type": "group", "userId": "u"}, "groupId"),
        ({"type": "identify", "userId": {"id": 1}}, "userId"),
        ({"type": "identify", "userId": "u", "traits": ["a"]}, "traits"),
        ({"type": "identify", "userId": "u", "timestamp": "yesterday"}, "timestamp"),
        ({"type": "identify", "userId": "u" * 201}, "userId"),
    ],
)
def test_invalid_messages_name_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(raw)
    assert caught.value.field == field
    assert caught.value.message


def test_type_from_the_path_wins_over_the_body() -> None:
    message = parse({"type": "identify", "userId": "u", "event": "Signed Up"}, message_type="track")
    assert message.type == "track"


def test_clock_skew_is_corrected_from_sent_at() -> None:
    # The client's clock runs 1 hour fast; it made the event 5 s before sending it.
    client_now = RECEIVED + timedelta(hours=1)
    message = parse(
        {
            "type": "track",
            "event": "Viewed",
            "userId": "u",
            "timestamp": (client_now - timedelta(seconds=5)).isoformat(),
            "sentAt": client_now.isoformat(),
        }
    )
    assert message.timestamp == RECEIVED - timedelta(seconds=5)
    assert message.original_timestamp == client_now - timedelta(seconds=5)
    assert message.received_at == RECEIVED


def test_timestamp_without_sent_at_is_taken_as_is_and_defaults_to_received() -> None:
    stamped = parse(
        {"type": "track", "event": "A", "userId": "u", "timestamp": "2026-01-01T00:00:00Z"}
    )
    assert stamped.timestamp == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse({"type": "track", "event": "A", "userId": "u"}).timestamp == RECEIVED


def test_context_ip_is_filled_only_when_absent_and_fields_are_kept() -> None:
    message = parse(
        {
            "type": "page",
            "anonymousId": "a",
            "name": "Home",
            "properties": {"path": "/"},
            "context": {"locale": "en-US"},
            "integrations": {"All": False},
            "category": "Docs",
        }
    )
    assert message.context == {"locale": "en-US", "ip": "203.0.113.9"}
    assert message.properties == {"path": "/"}
    assert message.integrations == {"All": False}
    assert message.extra == {"category": "Docs"}
    kept = parse({"type": "page", "anonymousId": "a", "context": {"ip": "198.51.100.1"}})
    assert kept.context["ip"] == "198.51.100.1"


def test_message_id_is_generated_when_absent() -> None:
    first = parse({"type": "identify", "userId": "u"})
    second = parse({"type": "identify", "userId": "u"})
    assert first.message_id
    assert second.message_id
    assert first.message_id != second.message_id
    assert parse({"type": "identify", "userId": "u", "messageId": "m-1"}).message_id == "m-1"


def test_message_size_limit() -> None:
    with pytest.raises(PayloadTooLarge, match="32 KB"):
        parse_message(
            {"type": "identify", "userId": "u"}, received_at=RECEIVED, ip=None, size=32 * 1024 + 1
        )


def test_batch_applies_envelope_and_reports_rejections_by_index() -> None:
    client_now = RECEIVED + timedelta(minutes=10)
    payload = {
        "sentAt": client_now.isoformat(),
        "context": {"library": {"name": "analytics-python"}},
        "batch": [
            {"type": "track", "event": "A", "userId": "u", "timestamp": client_now.isoformat()},
            {"type": "track", "userId": "u"},
            {"type": "identify", "anonymousId": "a", "context": {"library": {"name": "mine"}}},
            {"type": "track", "event": "big", "userId": "u", "properties": {"x": "y" * 40_000}},
        ],
    }
    accepted, rejected = parse_batch(payload, received_at=RECEIVED, ip=None)
    assert [m.type for m in accepted] == ["track", "identify"]
    assert accepted[0].timestamp == RECEIVED
    assert accepted[0].context["library"] == {"name": "analytics-python"}
    assert accepted[1].context["library"] == {"name": "mine"}
    assert [(r.index, r.code, r.field) for r in rejected] == [
        (1, "invalid", "batch[1].event"),
        (3, "too_large", "batch[3]"),
    ]


def test_batch_message_count_limit() -> None:
    payload = {"batch": [{"type": "identify", "userId": "u"}] * (MAX_BATCH_MESSAGES + 1)}
    with pytest.raises(PayloadTooLarge, match="2500"):
        parse_batch(payload, received_at=RECEIVED, ip=None)


@pytest.mark.parametrize("payload", [[], {"batch": {}}, {"messages": []}])
def test_batch_shape_errors(payload: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_batch(payload, received_at=RECEIVED, ip=None)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        # In UTC, year 1 at +01:00 is before the first date there is.
        ({"type": "identify", "userId": "u", "timestamp": "0001-01-01T00:00:00+01:00"},
         "timestamp"),
        # Correcting for a clock 2,124 years fast lands before year 1.
        (
            {"type": "identify", "userId": "u", "timestamp": "0290-06-18T21:58:18Z",
             "sentAt": "2414-02-27T11:07:51Z"},
            "sentAt",
        ),
    ],
)  # fmt: skip
def test_instants_beyond_the_calendar_are_invalid(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(raw)
    assert caught.value.field == field


def test_text_with_nul_is_refused_naming_where() -> None:
    """PostgreSQL stores no text with NUL: refused on every backend, message by message,
    so one such message cannot fail the commit it would share with others."""
    for raw, field in [
        ({"type": "track", "userId": "u", "event": "E\x00"}, "event"),
        ({"type": "track", "userId": "u", "event": "E", "properties": {"a": ["x\x00"]}},
         "properties.a.0"),
        ({"type": "identify", "userId": "u", "traits": {"\x00": 1}}, "traits"),
    ]:  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            parse(raw)
        assert caught.value.field == field
    text = {"type": "track", "userId": "u", "event": "E", "properties": {"code": "\\u0000"}}
    assert parse(text).properties == {"code": "\\u0000"}  # a backslash, then text
    batch = {"batch": [{"type": "track", "userId": "u", "event": "\x00"}, text]}
    accepted, rejected = parse_batch(batch, received_at=RECEIVED, ip=None)
    assert (len(accepted), [r.field for r in rejected]) == (1, ["batch[0].event"])
    with pytest.raises(InvalidInput) as caught:
        parse_batch({**batch, "context": {"ip": "\x00"}}, received_at=RECEIVED, ip=None)
    assert caught.value.field == "context.ip"


def test_batch_depth_is_exact_whatever_brackets_its_text_holds() -> None:
    def nested(levels: int) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for _ in range(levels - 2):
            value = {"a": value}
        return {"type": "track", "userId": "u", "event": "E", "properties": value}

    brackets = {"type": "track", "userId": "u", "event": "{[" * 50, "properties": {"t": "[" * 99}}
    items = [nested(MAX_DEPTH), nested(MAX_DEPTH + 1), brackets]
    accepted, rejected = parse_batch({"batch": items}, received_at=RECEIVED, ip=None)
    assert [message.event for message in accepted] == ["E", "{[" * 50]
    assert [(r.index, r.message) for r in rejected] == [
        (1, f"a message may nest objects and arrays {MAX_DEPTH} levels deep at most")
    ]
