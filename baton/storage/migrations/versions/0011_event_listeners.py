"""who listens to which final events

`baton migrate` fills it from the journeys and segments already defined.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "event_listeners",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("consumer", sa.String(length=20), nullable=False),
        sa.Column("events", DOCUMENT, nullable=False),
        sa.Column("every_event", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "consumer", name=op.f("pk_event_listeners")),
    )


def downgrade() -> None:
    op.drop_table("event_listeners")
