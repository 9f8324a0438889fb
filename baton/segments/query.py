"""Running compiled definitions: who matches a condition, what a computed trait is, now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, column, text

from baton.segments.definitions import ComputedTraitDefinition, Condition
from baton.segments.evaluate import Catalog
from baton.segments.sql import SqlCompiler
from baton.storage.tables import Document

IdRange = tuple[str, str]


def _compiler(
    connection: Connection, workspace_id: str, catalog: Catalog, now: datetime
) -> SqlCompiler:
    return SqlCompiler(connection.dialect.name, workspace_id, catalog, now)


def _profiles(sql: SqlCompiler, id_range: IdRange | None) -> str:
    where = "FROM profiles p WHERE p.workspace_id = :ws AND p.merged_into IS NULL"
    if id_range is not None:
        where += f" AND p.id >= {sql.bind(id_range[0])} AND p.id <= {sql.bind(id_range[1])}"
    return where


def matching_profiles(
    connection: Connection,
    workspace_id: str,
    catalog: Catalog,
    condition: Condition,
    now: datetime,
    *,
    id_range: IdRange | None = None,
    limit: int | None = None,
) -> list[str]:
    """Ids of the live profiles the condition holds for, by id."""
    sql = _compiler(connection, workspace_id, catalog, now)
    statement = (
        f"SELECT p.id {_profiles(sql, id_range)} AND {sql.condition(condition)} ORDER BY p.id"
    )
    if limit is not None:
        statement += f" LIMIT {int(limit)}"
    return list(connection.execute(text(statement), sql.params).scalars())


def count_matching(
    connection: Connection, workspace_id: str, catalog: Catalog, condition: Condition, now: datetime
) -> int:
    sql = _compiler(connection, workspace_id, catalog, now)
    statement = f"SELECT count(*) {_profiles(sql, None)} AND {sql.condition(condition)}"
    return int(connection.execute(text(statement), sql.params).scalar_one())


def computed_values(
    connection: Connection,
    workspace_id: str,
    catalog: Catalog,
    trait: ComputedTraitDefinition,
    now: datetime,
    *,
    id_range: IdRange | None = None,
) -> list[tuple[str, Any, dict[str, Any]]]:
    """(profile id, value or None, stored computed values) of every live profile."""
    sql = _compiler(connection, workspace_id, catalog, now)
    value = sql.value_of(sql.computed_value(trait))
    json_kind = trait.kind in ("first", "last", "most_frequent")
    statement = text(f"SELECT p.id, {value}, p.computed {_profiles(sql, id_range)}").columns(
        column("id", String),
        column("value", Document) if json_kind else column("value"),
        column("computed", Document),
    )
    return [
        (profile_id, typed_value(trait, raw), stored or {})
        for profile_id, raw, stored in connection.execute(statement, sql.params)
    ]


def typed_value(trait: ComputedTraitDefinition, raw: Any) -> Any:
    """A value as SQL returned it, in the form incremental evaluation stores."""
    if raw is None:
        return None
    if trait.kind in ("count", "distinct_count"):
        return int(raw)
    if trait.kind in ("sum", "avg", "min", "max"):
        return float(raw)
    return raw
