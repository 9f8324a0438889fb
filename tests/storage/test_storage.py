"""Schema and bootstrap on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, inspect, select

from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import api_keys, metadata
from baton.teams.tokens import token_digest
from baton.workspaces import KeyKind, KeyRing, create_workspace, ensure_default_workspace


def test_migrations_create_every_table_and_rerun_as_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_instants_round_trip_as_utc(engine: Engine, clock: ManualClock) -> None:
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "tz", clock)
    from baton.storage.tables import workspaces

    with engine.connect() as connection:
        created = connection.execute(
            select(workspaces.c.created_at).where(workspaces.c.id == workspace_id)
        ).scalar_one()
    assert created == clock.now()
    assert created.tzinfo is not None
    assert created.utcoffset() == UTC.utcoffset(None)


def test_default_workspace_bootstrap_pins_given_keys(engine: Engine, clock: ManualClock) -> None:
    with write_transaction(engine) as connection:
        first = ensure_default_workspace(connection, clock)
    if first.created:
        assert set(first.generated_keys) == {KeyKind.WRITE, KeyKind.ADMIN}
    with write_transaction(engine) as connection:
        again = ensure_default_workspace(connection, clock)
    assert (again.workspace_id, again.created, again.generated_keys) == (
        first.workspace_id,
        False,
        {},
    )

    with write_transaction(engine) as connection:
        ensure_default_workspace(
            connection, clock, write_key="bw_pinned_key_one", admin_token="ba_pinned_admin_one"
        )
    with write_transaction(engine) as connection:
        ensure_default_workspace(connection, clock, write_key="bw_pinned_key_two")
    keys = KeyRing(engine, ManualClock(datetime(2030, 1, 1, tzinfo=UTC)))
    assert keys.workspace_for("bw_pinned_key_two", KeyKind.WRITE) == first.workspace_id
    assert keys.workspace_for("bw_pinned_key_one", KeyKind.WRITE) is None
    assert keys.workspace_for("ba_pinned_admin_one", KeyKind.ADMIN) == first.workspace_id
    with engine.connect() as connection:
        write_keys = connection.execute(
            select(func.count()).where(
                api_keys.c.workspace_id == first.workspace_id, api_keys.c.kind == "write"
            )
        ).scalar_one()
        stored_hashes = set(connection.execute(select(api_keys.c.key_hash)).scalars())
    assert write_keys == 1
    # Keys are stored hashed, never in the clear.
    assert token_digest("bw_pinned_key_two") in stored_hashes
    assert "bw_pinned_key_two" not in stored_hashes


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_migrations_make_partial_exactly_the_indexes_the_tables_do(engine: Engine) -> None:
    """Alembic's comparison skips an index's WHERE clause: the stored definitions say it."""
    if engine.dialect.name == "postgresql":
        stored = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        stored = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    with engine.connect() as connection:
        found = {name: " WHERE " in sql for name, sql in connection.exec_driver_sql(stored)}
    declared = {
        index.name: index.dialect_options[engine.dialect.name]["where"] is not None
        for table in metadata.tables.values()
        for index in table.indexes
    }
    assert {name: found.get(name) for name in declared} == declared
    assert sum(declared.values()) >= 7
