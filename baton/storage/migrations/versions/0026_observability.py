"""observability: what traces and stage health need

The W3C trace context an event arrived with, and the one a message was queued under: set
only while OpenTelemetry traces are on (baton/core/tracing.py), NULL otherwise.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_TABLES = ("events", "messages")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("traceparent")
