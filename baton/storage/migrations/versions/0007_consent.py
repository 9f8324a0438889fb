"""consent per profile and subscription group, with every change

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_group", sa.String(length=100), nullable=False),
        sa.Column("subscribed", sa.Integer(), nullable=False),
        sa.Column("changed_at", INSTANT, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "subscription_group", name=op.f("pk_consents")),
    )
    op.create_table(
        "consent_changes",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_group", sa.String(length=100), nullable=False),
        sa.Column("subscribed", sa.Integer(), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("evidence", DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_consent_changes")),
    )
    op.create_index(
        op.f("ix_consent_changes_profile_id_seq"), "consent_changes", ["profile_id", "seq"]
    )


def downgrade() -> None:
    op.drop_table("consent_changes")
    op.drop_table("consents")
