"""broadcasts: campaigns sent once to an audience

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("definition", DOCUMENT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("started_at", INSTANT, nullable=True),
        sa.Column("wake_at", INSTANT, nullable=True),
        sa.Column("snapshot_after", sa.String(length=40), nullable=True),
        sa.Column("snapshotted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("enqueued", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("paused_at", INSTANT, nullable=True),
        sa.Column("decide_at", INSTANT, nullable=True),
        sa.Column("winner", sa.String(length=100), nullable=True),
        sa.Column("winner_reason", DOCUMENT, nullable=True),
        sa.Column("finished_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_broadcasts_workspace_id_key")),
    )
    op.create_index(op.f("ix_broadcasts_wake_at"), "broadcasts", ["wake_at"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("cohort", sa.String(length=10), nullable=True),
        sa.Column("variant", sa.String(length=100), nullable=True),
        sa.Column("queued", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("broadcast_id", "profile_id", name=op.f("pk_broadcast_recipients")),
    )
    op.create_index(
        op.f("ix_broadcast_recipients_broadcast_id_queued_cohort"),
        "broadcast_recipients",
        ["broadcast_id", "queued", "cohort"],
    )
    op.add_column("messages", sa.Column("broadcast_id", sa.String(length=40), nullable=True))
    op.create_index(op.f("ix_messages_broadcast_id_status"), "messages", ["broadcast_id", "status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_messages_broadcast_id_status"), table_name="messages")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("broadcast_id")
    op.drop_table("broadcast_recipients")
    op.drop_table("broadcasts")
