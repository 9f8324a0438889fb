"""delivery: attempts per message, channel settings, sending messages in the due index

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)
DUE = sa.text("status IN ('pending', 'sending')")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.drop_index("ix_messages_pending", table_name="messages")
    op.create_index(
        "ix_messages_pending", "messages", ["due_at"], sqlite_where=DUE, postgresql_where=DUE
    )
    op.create_table(
        "message_attempts",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "n", name=op.f("pk_message_attempts")),
    )
    op.create_table(
        "channel_settings",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("settings", DOCUMENT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "channel", name=op.f("pk_channel_settings")),
    )


def downgrade() -> None:
    op.drop_table("channel_settings")
    op.drop_table("message_attempts")
    op.drop_index("ix_messages_pending", table_name="messages")
    op.create_index(
        "ix_messages_pending",
        "messages",
        ["due_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("attempts")
