"""destinations: outbound webhooks, audiences and CRM sync

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "destinations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("settings", DOCUMENT, nullable=False),
        sa.Column("next_run_at", INSTANT, nullable=True),
        sa.Column("last_run", DOCUMENT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destinations")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_destinations_workspace_id_key")),
    )
    op.create_table(
        "destination_inbox",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_destination_inbox")),
    )
    op.create_table(
        "destination_items",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("destination_id", sa.String(length=40), nullable=False),
        sa.Column("payload", DOCUMENT, nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_destination_items")),
    )
    op.create_index(
        op.f("ix_destination_items_destination_id_seq"),
        "destination_items",
        ["destination_id", "seq"],
    )
    op.create_table(
        "destination_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("destination_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("items", DOCUMENT, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", INSTANT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("delivered_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destination_deliveries")),
    )
    op.create_index(
        op.f("ix_destination_deliveries_status_next_at"),
        "destination_deliveries",
        ["status", "next_at"],
    )
    op.create_index(
        op.f("ix_destination_deliveries_destination_id_status_id"),
        "destination_deliveries",
        ["destination_id", "status", "id"],
    )
    op.create_table(
        "destination_snapshots",
        sa.Column("destination_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("traits", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint(
            "destination_id", "profile_id", name=op.f("pk_destination_snapshots")
        ),
    )


def downgrade() -> None:
    for table in (
        "destination_snapshots",
        "destination_deliveries",
        "destination_items",
        "destination_inbox",
        "destinations",
    ):
        op.drop_table(table)
