"""parallel identity: the lock buckets of concurrent identity processors on PostgreSQL

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# `baton.identity.locks.BUCKETS` as it was at this revision.
BUCKETS = 65536


def upgrade() -> None:
    op.create_table(
        "identity_locks",
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_identity_locks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"INSERT INTO identity_locks (bucket) SELECT generate_series(0, {BUCKETS - 1})")


def downgrade() -> None:
    op.drop_table("identity_locks")
