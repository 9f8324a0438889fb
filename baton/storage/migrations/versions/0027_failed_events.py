"""failed events: an index of the few events identity could not resolve

The ingest status counts them on every call; without it the count read the whole
workspace's events.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_FAILED = sa.text("error IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.create_index(
            "ix_events_failed", ["workspace_id"], sqlite_where=_FAILED, postgresql_where=_FAILED
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_failed", sqlite_where=_FAILED, postgresql_where=_FAILED)
