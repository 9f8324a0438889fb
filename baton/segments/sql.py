"""Definitions compiled to SQL for SQLite and PostgreSQL: the full-evaluation path.

Every condition becomes a boolean expression over one profile row `p`, with correlated
subqueries over the profile's events (the `(workspace_id, profile_id, timestamp, seq)`
index serves each). Leaves are wrapped so they are never NULL, which keeps `NOT` exact.
The meaning of each operator is the one `segments/values.py` gives in Python; the tests
prove the two agree on random data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from baton.segments.definitions import (
    PREDICTED,
    AggregateCondition,
    AllCondition,
    AnyCondition,
    Comparison,
    ComputedCondition,
    ComputedTraitDefinition,
    Condition,
    EventCondition,
    HasCondition,
    NotCondition,
    PropertyFilter,
    SegmentCondition,
    SequenceCondition,
    TraitCondition,
    Window,
)
from baton.segments.evaluate import Catalog
from baton.storage.tables import instant_to_sqlite

_SQLITE_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"
_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class Operand(Protocol):
    """One value being compared: each accessor is NULL unless the value has that type."""

    def exists(self, sql: SqlCompiler) -> str: ...
    def number(self, sql: SqlCompiler) -> str: ...
    def string(self, sql: SqlCompiler) -> str: ...
    def instant(self, sql: SqlCompiler) -> str: ...
    def boolean(self, sql: SqlCompiler, value: bool) -> str: ...
    def holds_string(self, sql: SqlCompiler, needle: str) -> str: ...


@dataclass(frozen=True)
class JsonOperand:
    """The JSON value at `path` (dotted; "" for the whole) of a JSON document expression."""

    document: str
    path: str

    def _at(self, sql: SqlCompiler) -> tuple[str, str]:
        if sql.postgresql:
            parts = self.path.split(".") if self.path else []
            value = f"({self.document} #> CAST({sql.bind(parts)} AS text[]))"
            return value, f"jsonb_typeof({value})"
        path = sql.bind(_sqlite_path(self.path))
        return f"json_extract({self.document}, {path})", f"json_type({self.document}, {path})"

    def exists(self, sql: SqlCompiler) -> str:
        _, kind = self._at(sql)
        return f"(COALESCE({kind}, 'null') <> 'null')"

    def number(self, sql: SqlCompiler) -> str:
        value, kind = self._at(sql)
        if sql.postgresql:
            return f"(CASE WHEN {kind} = 'number' THEN CAST({value} AS double precision) END)"
        return f"(CASE WHEN {kind} IN ('integer', 'real') THEN {value} END)"

    def string(self, sql: SqlCompiler) -> str:
        value, kind = self._at(sql)
        if sql.postgresql:
            return f"(CASE WHEN {kind} = 'string' THEN {value} #>> '{{}}' END)"
        return f"(CASE WHEN {kind} = 'text' THEN {value} END)"

    def instant(self, sql: SqlCompiler) -> str:
        value, kind = self._at(sql)
        if sql.postgresql:
            return f"baton_try_timestamptz(CASE WHEN {kind} = 'string' THEN {value} #>> '{{}}' END)"
        return (
            f"(CASE WHEN {kind} = 'text' AND {value} GLOB '{_SQLITE_DATE}' "
            # SQLite rolls 2026-02-30 over into March; Python and PostgreSQL refuse it.
            f"AND date(substr({value}, 1, 10)) = substr({value}, 1, 10) "
            f"THEN julianday({value}) END)"
        )

    def boolean(self, sql: SqlCompiler, value: bool) -> str:
        json_value, kind = self._at(sql)
        if sql.postgresql:
            return f"COALESCE({json_value} = CAST('{str(value).lower()}' AS jsonb), FALSE)"
        return f"COALESCE({kind} = '{str(value).lower()}', FALSE)"

    def holds_string(self, sql: SqlCompiler, needle: str) -> str:
        value, kind = self._at(sql)
        if sql.postgresql:
            return (
                f"COALESCE({kind} = 'array' AND "
                f"{value} @> jsonb_build_array({sql.text(needle)}), FALSE)"
            )
        return (
            f"COALESCE({kind} = 'array' AND EXISTS (SELECT 1 FROM json_each({self.document}, "
            f"{sql.bind(_sqlite_path(self.path))}) AS item WHERE item.type = 'text' "
            f"AND item.value = {sql.text(needle)}), FALSE)"
        )


@dataclass(frozen=True)
class NumberOperand:
    expression: str

    def exists(self, sql: SqlCompiler) -> str:
        return f"({self.expression} IS NOT NULL)"

    def number(self, sql: SqlCompiler) -> str:
        return self.expression

    def string(self, sql: SqlCompiler) -> str:
        return sql.null("text")

    def instant(self, sql: SqlCompiler) -> str:
        return sql.null("timestamptz")

    def boolean(self, sql: SqlCompiler, value: bool) -> str:
        return "FALSE"

    def holds_string(self, sql: SqlCompiler, needle: str) -> str:
        return "FALSE"


@dataclass(frozen=True)
class InstantOperand:
    """A timestamp column of the profile row (first_seen, last_seen)."""

    column: str

    def exists(self, sql: SqlCompiler) -> str:
        return f"({self.column} IS NOT NULL)"

    def number(self, sql: SqlCompiler) -> str:
        return sql.null("double precision")

    def string(self, sql: SqlCompiler) -> str:
        return sql.null("text")

    def instant(self, sql: SqlCompiler) -> str:
        return self.column if sql.postgresql else f"julianday({self.column})"

    def boolean(self, sql: SqlCompiler, value: bool) -> str:
        return "FALSE"

    def holds_string(self, sql: SqlCompiler, needle: str) -> str:
        return "FALSE"


class SqlCompiler:
    """Builds one SQL statement's text and its parameters; `p` is the profile row."""

    def __init__(self, dialect: str, workspace_id: str, catalog: Catalog, now: datetime) -> None:
        self.postgresql = dialect == "postgresql"
        self.catalog = catalog
        self.now = now
        self.params: dict[str, Any] = {"ws": workspace_id}
        self._aliases = 0

    # -- parameters -----------------------------------------------------------------------

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def text(self, value: str) -> str:
        return f"CAST({self.bind(value)} AS text)" if self.postgresql else self.bind(value)

    def number(self, value: float) -> str:
        if self.postgresql:
            return f"CAST({self.bind(value)} AS double precision)"
        return self.bind(value)

    def event_time(self, instant: datetime) -> str:
        """An instant to compare with `events.timestamp`."""
        if self.postgresql:
            return f"CAST({self.bind(instant)} AS timestamptz)"
        return self.bind(instant_to_sqlite(instant))

    def instant(self, instant: datetime) -> str:
        """An instant to compare with an operand's `instant()`."""
        if self.postgresql:
            return f"CAST({self.bind(instant)} AS timestamptz)"
        return f"julianday({self.bind(instant_to_sqlite(instant))})"

    def null(self, kind: str) -> str:
        return f"CAST(NULL AS {kind})" if self.postgresql else "NULL"

    def alias(self) -> str:
        self._aliases += 1
        return f"e{self._aliases}"

    # -- conditions -----------------------------------------------------------------------

    def condition(self, condition: Condition) -> str:
        if isinstance(condition, AllCondition):
            return "(" + " AND ".join(self.condition(c) for c in condition.all) + ")"
        if isinstance(condition, AnyCondition):
            return "(" + " OR ".join(self.condition(c) for c in condition.any) + ")"
        if isinstance(condition, NotCondition):
            return f"(NOT {self.condition(condition.not_)})"
        if isinstance(condition, TraitCondition):
            return self.compare(condition, JsonOperand("p.traits", condition.trait))
        if isinstance(condition, ComputedCondition):
            return self.compare(condition, self.computed(condition.computed))
        if isinstance(condition, HasCondition):
            held = JsonOperand("p.traits", condition.has).string(self)
            return f"COALESCE(length({held}) > 0, FALSE)"
        if isinstance(condition, SegmentCondition):
            return self.condition(self.catalog.segments[condition.segment].condition)
        if isinstance(condition, EventCondition):
            a = self.alias()
            where = self.events_where(a, condition.event, condition.where, condition.window)
            count = f"(SELECT count(*) FROM events {a} WHERE {where})"
            bounds = condition.count
            if bounds.at_least is not None:
                return f"({count} >= {self.bind(bounds.at_least)})"
            if bounds.at_most is not None:
                return f"({count} <= {self.bind(bounds.at_most)})"
            return f"({count} = {self.bind(bounds.exactly)})"
        if isinstance(condition, AggregateCondition):
            value = self.aggregate(
                condition.aggregate,
                condition.event,
                condition.property,
                condition.where,
                condition.window,
            )
            return self.compare(condition, value)
        assert isinstance(condition, SequenceCondition)
        return self.sequence(condition)

    def compare(self, comparison: Comparison, operand: Operand) -> str:
        op, value = comparison.op.value, comparison.value
        if op == "exists":
            return operand.exists(self)
        if op == "not_exists":
            return f"(NOT {operand.exists(self)})"
        if op == "equals":
            return self._equals(operand, value)
        if op == "not_equals":
            return f"(NOT {self._equals(operand, value)})"
        if op == "in":
            return "(" + " OR ".join(self._equals(operand, item) for item in value) + ")"
        if op == "contains":
            found = "strpos" if self.postgresql else "instr"
            inside = f"COALESCE({found}({operand.string(self)}, {self.text(value)}) > 0, FALSE)"
            return f"({inside} OR {operand.holds_string(self, value)})"
        if op == "starts_with":
            needle = self.text(value)
            start = f"substr({operand.string(self)}, 1, length({needle}))"
            return f"COALESCE({start} = {needle}, FALSE)"
        if op in _SYMBOLS:
            return f"COALESCE({operand.number(self)} {_SYMBOLS[op]} {self.number(value)}, FALSE)"
        if op == "between":
            low, high = self.number(value[0]), self.number(value[1])
            return f"COALESCE({operand.number(self)} BETWEEN {low} AND {high}, FALSE)"
        instant = operand.instant(self)
        if op == "before":
            return f"COALESCE({instant} < {self.instant(comparison.instant)}, FALSE)"
        if op == "after":
            return f"COALESCE({instant} > {self.instant(comparison.instant)}, FALSE)"
        oldest = self.instant(self.now - comparison.duration)
        return f"COALESCE({instant} > {oldest} AND {instant} <= {self.instant(self.now)}, FALSE)"

    def _equals(self, operand: Operand, value: Any) -> str:
        if isinstance(value, bool):
            return operand.boolean(self, value)
        if isinstance(value, int | float):
            return f"COALESCE({operand.number(self)} = {self.number(value)}, FALSE)"
        return f"COALESCE({operand.string(self)} = {self.text(value)}, FALSE)"

    # -- events ---------------------------------------------------------------------------

    def events_where(
        self,
        alias: str,
        event: str,
        where: Sequence[PropertyFilter],
        window: Window | None,
        owner: str | None = "p.id",
    ) -> str:
        """Conditions on events row `alias`: of the owner profile, named, filtered, windowed."""
        parts = [f"{alias}.workspace_id = :ws", f"{alias}.event = {self.text(event)}"]
        if owner is not None:
            parts.append(f"{alias}.profile_id = {owner}")
        properties = f"{alias}.properties"
        parts.extend(self.compare(f, JsonOperand(properties, f.property)) for f in where)
        if window is not None:
            if window.span is not None:
                parts.append(f"{alias}.timestamp > {self.event_time(self.now - window.span)}")
            elif window.bounds is not None:
                start, end = window.bounds
                parts.append(f"{alias}.timestamp >= {self.event_time(start)}")
                parts.append(f"{alias}.timestamp < {self.event_time(end)}")
            else:
                assert window.since_last is not None
                other = self.alias()
                parts.append(
                    f"NOT EXISTS (SELECT 1 FROM events {other} WHERE {other}.workspace_id = :ws "
                    f"AND {other}.profile_id = {alias}.profile_id "
                    f"AND {other}.event = {self.text(window.since_last)} "
                    f"AND {other}.timestamp >= {alias}.timestamp)"
                )
        return " AND ".join(parts)

    def aggregate(
        self,
        kind: str,
        event: str,
        path: str,
        where: Sequence[PropertyFilter],
        window: Window | None,
    ) -> NumberOperand:
        a = self.alias()
        number = JsonOperand(f"{a}.properties", path).number(self)
        function = {"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX"}[kind]
        value = f"{function}({number})"
        if kind == "sum":
            value = f"COALESCE({value}, 0)"
        where_sql = self.events_where(a, event, where, window)
        return NumberOperand(f"(SELECT {value} FROM events {a} WHERE {where_sql})")

    def sequence(self, condition: SequenceCondition) -> str:
        aliases = [self.alias() for _ in condition.sequence]
        parts = []
        for index, (alias, step) in enumerate(zip(aliases, condition.sequence, strict=True)):
            parts.append(self.events_where(alias, step.event, step.where, None))
            if index:
                before = aliases[index - 1]
                parts.append(
                    f"({alias}.timestamp > {before}.timestamp OR ({alias}.timestamp = "
                    f"{before}.timestamp AND {alias}.seq > {before}.seq))"
                )
        first, last = aliases[0], aliases[-1]
        if self.postgresql:
            span = f"CAST({self.bind(condition.span)} AS interval)"
            parts.append(f"{last}.timestamp <= {first}.timestamp + {span}")
        else:
            span_us = condition.span.days * 86_400_000_000 + condition.span.seconds * 1_000_000
            parts.append(f"({_sqlite_us(last)} - {_sqlite_us(first)}) <= {self.bind(span_us)}")
        tables = ", ".join(f"events {alias}" for alias in aliases)
        return f"EXISTS (SELECT 1 FROM {tables} WHERE {' AND '.join(parts)})"

    # -- computed traits ------------------------------------------------------------------

    def computed(self, key: str) -> Operand:
        if key == "first_seen_at":
            return InstantOperand("p.first_seen")
        if key == "last_seen_at":
            return InstantOperand("p.last_seen")
        if key.startswith(PREDICTED):
            # `predicted.KEY` is the path of the value in the document, as stored.
            return JsonOperand("p.computed", key)
        return self.computed_value(self.catalog.computed[key])

    def computed_value(self, trait: ComputedTraitDefinition) -> Operand:
        if trait.kind in ("sum", "avg", "min", "max"):
            assert trait.property is not None
            return self.aggregate(
                trait.kind, trait.event, trait.property, trait.where, trait.window
            )
        a = self.alias()
        where = self.events_where(a, trait.event, trait.where, trait.window)
        if trait.kind == "count":
            return NumberOperand(f"(SELECT count(*) FROM events {a} WHERE {where})")
        assert trait.property is not None
        value = JsonOperand(f"{a}.properties", trait.property)
        if trait.kind == "distinct_count":
            return NumberOperand(
                f"(SELECT count(DISTINCT {value.string(self)}) FROM events {a} WHERE {where})"
            )
        if trait.kind in ("first", "last"):
            order = "ASC" if trait.kind == "first" else "DESC"
            return JsonOperand(
                f"(SELECT {self._json_at(value)} FROM events {a} WHERE {where} "
                f"AND {value.exists(self)} "
                f"ORDER BY {a}.timestamp {order}, {a}.seq {order} LIMIT 1)",
                "",
            )
        text = value.string(self)
        as_json = f"to_jsonb({text})" if self.postgresql else f"json_quote({text})"
        return JsonOperand(
            f"(SELECT {as_json} FROM events {a} WHERE {where} AND {text} IS NOT NULL "
            f"GROUP BY {text} ORDER BY count(*) DESC, max({a}.timestamp) DESC, "
            f"max({a}.seq) DESC LIMIT 1)",
            "",
        )

    def _json_at(self, operand: JsonOperand) -> str:
        if self.postgresql:
            return f"({operand.document} #> CAST({self.bind(operand.path.split('.'))} AS text[]))"
        return f"({operand.document} -> {self.bind(_sqlite_path(operand.path))})"

    def value_of(self, operand: Operand) -> str:
        """A SELECT expression for an operand's value (JSON documents stay JSON)."""
        if isinstance(operand, JsonOperand):
            return operand.document
        return operand.number(self)


def _sqlite_path(path: str) -> str:
    return "$" + "".join(f'."{part}"' for part in path.split(".")) if path else "$"


def _sqlite_us(alias: str) -> str:
    # Timestamps are stored as 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds plus the digits.
    column = f"{alias}.timestamp"
    return (
        f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 "
        f"+ CAST(substr({column}, 21, 6) AS INTEGER))"
    )
