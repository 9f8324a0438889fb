"""preferences: the preference center

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "preferences",
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("weekly_limit", sa.Integer(), nullable=True),
        sa.Column("paused_until", INSTANT, nullable=True),
        sa.Column("changed_at", INSTANT, nullable=False),
        sa.Column("erasure_requested_at", INSTANT, nullable=True),
        sa.Column("export_requested_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_preferences")),
    )


def downgrade() -> None:
    op.drop_table("preferences")
