"""ingest limits: per-workspace rate limits and backpressure

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("ingest_per_second", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("workspaces", "ingest_per_second")
