"""journeys, their instances and steps, the journey inbox and the message outbox

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)
LIVE = sa.text("ended_at IS NULL")
TIMED = sa.text("wake_at IS NOT NULL")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC")
        )
    op.create_table(
        "journeys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("scheduled_through", INSTANT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_journeys_workspace_id_key")),
    )
    op.create_table(
        "journey_versions",
        sa.Column("journey_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", DOCUMENT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("published_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("journey_id", "version", name=op.f("pk_journey_versions")),
    )
    op.create_table(
        "journey_instances",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("journey_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("wake_at", INSTANT, nullable=True),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("state", DOCUMENT, nullable=False),
        sa.Column("entered_at", INSTANT, nullable=False),
        sa.Column("ended_at", INSTANT, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("goal_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_instances")),
    )
    op.create_index(
        op.f("ix_journey_instances_profile_id_journey_id"),
        "journey_instances",
        ["profile_id", "journey_id"],
    )
    op.create_index(
        op.f("ix_journey_instances_journey_id_node"), "journey_instances", ["journey_id", "node"]
    )
    op.create_index(
        "uq_journey_instances_live",
        "journey_instances",
        ["profile_id", "journey_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_journey_instances_wake_at",
        "journey_instances",
        ["wake_at"],
        sqlite_where=TIMED,
        postgresql_where=TIMED,
    )
    op.create_table(
        "journey_steps",
        sa.Column("instance_id", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("detail", DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("instance_id", "n", name=op.f("pk_journey_steps")),
    )
    op.create_table(
        "journey_inbox",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_journey_inbox")),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("journey_id", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.String(length=40), nullable=True),
        sa.Column("node", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("template", sa.String(length=200), nullable=True),
        sa.Column("subscription_group", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("payload", DOCUMENT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("dispatched_at", INSTANT, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_messages_idempotency_key")),
    )
    op.create_index(
        op.f("ix_messages_profile_id_created_at"), "messages", ["profile_id", "created_at"]
    )
    op.create_index(op.f("ix_messages_instance_id"), "messages", ["instance_id"])
    op.create_index(
        "ix_messages_pending",
        "messages",
        ["due_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("journey_inbox")
    op.drop_table("journey_steps")
    op.drop_table("journey_instances")
    op.drop_table("journey_versions")
    op.drop_table("journeys")
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("timezone")
