"""orchestration across journeys: workspace policy, arbitration columns and decisions,
entry refusals

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("policy", DOCUMENT, nullable=True))
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.add_column(
            sa.Column("transactional", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("on_cap", sa.String(length=10), nullable=False, server_default="skip")
        )
        batch_op.add_column(sa.Column("quiet_hours", DOCUMENT, nullable=True))
        batch_op.add_column(sa.Column("reason", sa.String(length=120), nullable=True))
    op.create_index(op.f("ix_messages_journey_id_status"), "messages", ["journey_id", "status"])
    op.create_table(
        "message_decisions",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=True),
        sa.Column("until", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("message_id", "n", name=op.f("pk_message_decisions")),
    )
    op.create_table(
        "journey_refusals",
        sa.Column("journey_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", DOCUMENT, nullable=True),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id", "profile_id", name=op.f("pk_journey_refusals")),
    )


def downgrade() -> None:
    op.drop_table("journey_refusals")
    op.drop_table("message_decisions")
    op.drop_index(op.f("ix_messages_journey_id_status"), table_name="messages")
    with op.batch_alter_table("messages") as batch_op:
        for column in ("reason", "quiet_hours", "on_cap", "transactional", "priority"):
            batch_op.drop_column(column)
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("policy")
