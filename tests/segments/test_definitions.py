"""Definitions: the JSON/YAML form, validation with the offending field, references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from baton.core.durations import format_duration, parse_duration
from baton.core.errors import InvalidInput
from baton.segments import parse_instant
from baton.segments.definitions import parse_computed_trait, parse_segment
from baton.segments.evaluate import Catalog
from baton.segments.files import read_definitions
from baton.segments.store import check_definition, dump

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "segments.yaml"
CART_ABANDONER = yaml.safe_load(EXAMPLES.read_text())["segments"][0]


def test_the_documented_examples_are_valid() -> None:
    definitions = read_definitions(EXAMPLES)
    assert [d.key for d in definitions] == [
        "revenue_90d",
        "favourite_category",
        "cart-abandoner-came-back",
        "vip",
        "at-risk",
        "viewed-then-added",
        "engaged-pro",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("1h", timedelta(hours=1)),
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P3D", timedelta(days=3)),
        ("P1DT2H", timedelta(days=1, hours=2)),
    ],
)
def test_durations_in_short_and_iso_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "3 days", "P", "PT", "-1d", "0s", "P1Y"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_durations_are_at_most_100_years() -> None:
    """Longer ones step past the dates Python holds: a billion days made a 500."""
    assert parse_duration("36600d") == timedelta(days=36600)
    for text in ("36601d", "99999999999d", "P99999999999D", "9999999999999w"):
        with pytest.raises(ValueError, match="longer than 100 years"):
            parse_duration(text)


def test_an_instant_before_the_first_utc_date_is_no_date() -> None:
    assert parse_instant("0001-01-01T00:00:00+01:00") is None
    assert parse_instant("9999-12-31T23:00:00-05:00") is None
    assert parse_instant("0001-01-01T01:00:00+01:00") == datetime(1, 1, 1, tzinfo=UTC)


def test_durations_print_in_their_shortest_exact_form() -> None:
    assert format_duration(timedelta(days=14)) == "2w"
    assert format_duration(timedelta(hours=36)) == "36h"
    assert format_duration(timedelta(seconds=90)) == "90s"


def test_a_definition_round_trips_through_its_json_form() -> None:
    segment = parse_segment(CART_ABANDONER)
    assert dump(segment) == CART_ABANDONER
    assert parse_segment(dump(segment)) == segment


def test_not_is_written_as_not() -> None:
    data = {"key": "k", "name": "n", "condition": {"not": {"has": "email"}}}
    assert dump(parse_segment(data)) == data


@pytest.mark.parametrize(
    ("condition", "field", "message"),
    [
        ({"nope": 1}, "condition", "a condition starts with one of"),
        ({"trait": "plan", "op": "gt", "value": "x"}, "condition", "gt takes a number"),
        ({"trait": "plan", "op": "bigger", "value": 1}, "condition.op", "Input should be"),
        (
            {"all": [{"has": "email"}, {"event": "A", "window": {"last": "soon"}}]},
            "condition.all.1.window",
            "not a duration",
        ),
        (
            {"event": "A", "count": {"at_least": 1, "at_most": 2}},
            "condition.count",
            "exactly one of",
        ),
        ({"event": "Segment Entered"}, "condition.event", "use a segment condition"),
        (
            {"sequence": [{"event": "A"}], "within": "1h"},
            "condition.sequence",
            "at least 2",
        ),
        ({"trait": "plan", "op": "exists", "value": 1}, "condition", "takes no value"),
        ({"trait": "a..b", "op": "exists"}, "condition.trait", "empty parts"),
        (
            {"computed": "last_seen_at", "op": "equals", "value": 1},
            "condition",
            "is a time",
        ),
        ({"trait": "x", "op": "between", "value": [5, 1]}, "condition", "low <= high"),
        ({"trait": "x", "op": "before", "value": "yesterday"}, "condition", "takes a date"),
        (
            {"event": "A", "window": {"between": ["2026-03-02", "2026-03-01"]}},
            "condition.window",
            "start before it ends",
        ),
    ],
)
def test_invalid_conditions_name_the_field(
    condition: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_segment({"key": "k", "name": "n", "condition": condition})
    assert raised.value.field == field
    assert message in raised.value.message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "Bad Key", "name": "n", "kind": "count", "event": "A"}, "key"),
        ({"key": "total", "name": "n", "kind": "sum", "event": "A"}, None),
        ({"key": "total", "name": "n", "kind": "count", "event": "A", "property": "x"}, None),
        ({"key": "last_seen_at", "name": "n", "kind": "count", "event": "A"}, None),
        ({"key": "total", "name": "n", "kind": "median", "event": "A"}, "kind"),
    ],
)
def test_invalid_computed_traits_are_refused(data: dict[str, Any], field: str | None) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_computed_trait(data)
    assert raised.value.field == field


def test_references_must_exist_and_never_loop() -> None:
    inner = parse_segment({"key": "a", "name": "A", "condition": {"segment": "b"}})
    outer = parse_segment({"key": "b", "name": "B", "condition": {"segment": "a"}})
    catalog = Catalog(segments={"a": inner})
    with pytest.raises(InvalidInput, match="loop: b -> a -> b"):
        check_definition(catalog, outer)
    with pytest.raises(InvalidInput, match="no segment 'zz'"):
        check_definition(
            Catalog(), parse_segment({**CART_ABANDONER, "condition": {"segment": "zz"}})
        )
    unknown = {"computed": "ltv", "op": "gt", "value": 1}
    with pytest.raises(InvalidInput, match="no computed trait 'ltv'"):
        check_definition(Catalog(), parse_segment({**CART_ABANDONER, "condition": unknown}))
    selfish = parse_segment({"key": "s", "name": "S", "condition": {"segment": "s"}})
    with pytest.raises(InvalidInput, match="loop: s -> s"):
        check_definition(Catalog(), selfish)
