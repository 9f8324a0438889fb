"""browser write keys; key hints cut to four characters

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("browser", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Hints showed the first seven characters; four of them (a new key shows its last four)
    # still tell keys apart and give away less.
    op.execute("UPDATE api_keys SET hint = substr(hint, length(hint) - 3, 4)")


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("browser")
