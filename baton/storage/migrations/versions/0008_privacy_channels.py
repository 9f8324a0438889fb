"""erasure receipts and suppressed digests, push tokens, inbox items, suppressions

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_index(op.f("ix_message_attempts_provider_id"), "message_attempts", ["provider_id"])
    op.add_column("workspaces", sa.Column("erasure_salt", sa.String(length=64), nullable=True))
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("profile_ids", DOCUMENT, nullable=False),
        sa.Column("suppressed", sa.Integer(), nullable=False),
        sa.Column("deleted", DOCUMENT, nullable=False),
        sa.Column("compacted_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index(op.f("ix_erasures_workspace_id_at"), "erasures", ["workspace_id", "at"])
    op.create_table(
        "erased_identifiers",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("erasure_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "digest", name=op.f("pk_erased_identifiers")),
    )
    op.create_table(
        "push_tokens",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=500), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "token", name=op.f("pk_push_tokens")),
    )
    op.create_index(
        op.f("ix_push_tokens_workspace_id_profile_id"),
        "push_tokens",
        ["workspace_id", "profile_id"],
    )
    op.create_table(
        "inbox_items",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("content", DOCUMENT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=True),
        sa.Column("seen_at", INSTANT, nullable=True),
        sa.Column("clicked_at", INSTANT, nullable=True),
        sa.Column("dismissed_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbox_items")),
    )
    op.create_index(
        op.f("ix_inbox_items_workspace_id_profile_id_created_at"),
        "inbox_items",
        ["workspace_id", "profile_id", "created_at"],
    )
    op.create_table(
        "suppressions",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "channel", "address", name=op.f("pk_suppressions")),
    )
    op.create_index(
        op.f("ix_suppressions_workspace_id_profile_id"),
        "suppressions",
        ["workspace_id", "profile_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_message_attempts_provider_id"), "message_attempts")
    for table in ("suppressions", "inbox_items", "push_tokens", "erased_identifiers", "erasures"):
        op.drop_table(table)
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("erasure_salt")
