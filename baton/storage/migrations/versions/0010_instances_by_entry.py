"""journey instances by journey and entry time, for reports over a period

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_journey_instances_journey_id_entered_at"),
        "journey_instances",
        ["journey_id", "entered_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_journey_instances_journey_id_entered_at"), "journey_instances")
