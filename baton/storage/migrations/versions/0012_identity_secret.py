"""a workspace's identity secret, for person-scoped public endpoints

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("identity_secret", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("identity_secret_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("identity_secret_at")
        batch.drop_column("identity_secret")
