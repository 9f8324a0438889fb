"""identifier owner indexes: only identifiers that have a profile, or a component

Each identifier has one or the other. Indexed whole, with `workspace_id` first, either
index also served `workspace_id = x` alone, and when the statistics took a workspace for
small (a young database, or a new workspace among large ones) the planner could choose
one for a primary-key lookup and read the whole workspace at each probe. A lookup by
profile or by component implies its column is not NULL, so it still reads them.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_OWNERS = ("profile_id", "component_id")


def _where(column: str) -> sa.TextClause:
    return sa.text(f"{column} IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("identifiers") as batch:
        for column in _OWNERS:
            name = f"ix_identifiers_workspace_id_{column}"
            batch.drop_index(name)
            batch.create_index(
                name,
                ["workspace_id", column],
                sqlite_where=_where(column),
                postgresql_where=_where(column),
            )


def downgrade() -> None:
    with op.batch_alter_table("identifiers") as batch:
        for column in _OWNERS:
            name = f"ix_identifiers_workspace_id_{column}"
            batch.drop_index(name, sqlite_where=_where(column), postgresql_where=_where(column))
            batch.create_index(name, ["workspace_id", column])
