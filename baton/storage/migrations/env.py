"""Alembic environment: Baton always hands it an open connection (see storage/migrate.py)."""

from alembic import context

from baton.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
