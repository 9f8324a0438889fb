"""Running compiled definitions: who matches a condition, what a computed trait is, now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, column, text

from baton.core.paging import Page
from baton.segments.definitions import ComputedTraitDefinition, Condition, SegmentDefinition
from baton.segments.evaluate import Catalog
from baton.segments.sql import SqlCompiler
from baton.segments.store import check_definition, load_catalog
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


def _holds_value(connection: Connection, key: str) -> tuple[str, dict[str, Any]]:
    if connection.dialect.name == "postgresql":
        return "p.computed ? CAST(:key AS text)", {"key": key}
    return "json_type(p.computed, :path) IS NOT NULL", {"path": f'$."{key}"'}


def computed_holders(
    connection: Connection, workspace_id: str, key: str, after: str | None, limit: int
) -> list[tuple[str, Any]]:
    """(profile id, stored value) of profiles that have a value for a computed trait."""
    holds, params = _holds_value(connection, key)
    statement = (
        "SELECT p.id, p.computed FROM profiles p WHERE p.workspace_id = :ws "
        f"AND p.merged_into IS NULL AND {holds}"
    )
    if after is not None:
        statement += " AND p.id > :after"
    query = text(f"{statement} ORDER BY p.id LIMIT :limit").columns(
        column("id", String), column("computed", Document)
    )
    rows = connection.execute(query, {**params, "ws": workspace_id, "after": after, "limit": limit})
    return [(profile_id, computed[key]) for profile_id, computed in rows]


def computed_holder_count(connection: Connection, workspace_id: str, key: str) -> int:
    holds, params = _holds_value(connection, key)
    statement = (
        "SELECT count(*) FROM profiles p WHERE p.workspace_id = :ws "
        f"AND p.merged_into IS NULL AND {holds}"
    )
    return int(connection.execute(text(statement), {**params, "ws": workspace_id}).scalar_one())


def computed_holders_page(
    connection: Connection, workspace_id: str, key: str, after: str | None, limit: int
) -> Page[tuple[str, Any], str]:
    """(profile id, value), by profile id from the one after `after`."""
    rows = computed_holders(connection, workspace_id, key, after, limit + 1)
    page = rows[:limit]
    return Page(page, page[-1][0] if len(rows) > limit else None)


def preview(
    connection: Connection,
    workspace_id: str,
    definition: SegmentDefinition | ComputedTraitDefinition,
    now: datetime,
    sample: int = 10,
) -> dict[str, Any]:
    """What a definition would hold now, without saving it: a count and a sample."""
    catalog, _ = load_catalog(connection, workspace_id)
    if isinstance(definition, SegmentDefinition):
        check_definition(catalog, definition)
        condition = definition.condition
        total = count_matching(connection, workspace_id, catalog, condition, now)
        some = matching_profiles(connection, workspace_id, catalog, condition, now, limit=sample)
        return {"count": total, "sample": [{"profile_id": p} for p in some]}
    values = [
        (profile_id, value)
        for profile_id, value, _ in computed_values(
            connection, workspace_id, catalog, definition, now
        )
        if value is not None
    ]
    return {
        "count": len(values),
        "sample": [{"profile_id": p, "value": v} for p, v in values[:sample]],
    }
