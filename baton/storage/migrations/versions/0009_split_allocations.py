"""allocations of optimized splits

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "split_allocations",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("journey_id", sa.String(length=40), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weights", DOCUMENT, nullable=False),
        sa.Column("evidence", DOCUMENT, nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_split_allocations")),
    )
    op.create_index(
        op.f("ix_split_allocations_journey_id_node_seq"),
        "split_allocations",
        ["journey_id", "node", "seq"],
    )


def downgrade() -> None:
    op.drop_table("split_allocations")
