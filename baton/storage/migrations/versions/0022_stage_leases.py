"""stage leases: profile hash ranges leased by the workers of a stage

Revision ID: 0022
Revises: 0021
"""

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)
# `baton.storage.leases.SLOTS` and `slot_of` as they were at this revision.
SLOTS = 64


def _slot(profile_id: str) -> int:
    return zlib.crc32(profile_id.encode()) % SLOTS


def upgrade() -> None:
    for table in ("profile_due", "journey_inbox"):
        op.add_column(
            table, sa.Column("slot", sa.SmallInteger(), server_default="0", nullable=False)
        )
    op.create_index(op.f("ix_profile_due_slot_due_at"), "profile_due", ["slot", "due_at"])
    op.create_index(op.f("ix_journey_inbox_slot_seq"), "journey_inbox", ["slot", "seq"])
    # The queues are short-lived: their rows get their profiles' slots here.
    connection = op.get_bind()
    due = connection.execute(sa.text("SELECT workspace_id, profile_id FROM profile_due")).all()
    if due:
        connection.execute(
            sa.text("UPDATE profile_due SET slot = :s WHERE workspace_id = :w AND profile_id = :p"),
            [{"s": _slot(p), "w": w, "p": p} for w, p in due],
        )
    inbox = connection.execute(
        sa.text(
            "SELECT i.seq, e.profile_id FROM journey_inbox i JOIN events e "
            "ON e.workspace_id = i.workspace_id AND e.message_id = i.message_id "
            "WHERE e.profile_id IS NOT NULL"
        )
    ).all()
    if inbox:
        connection.execute(
            sa.text("UPDATE journey_inbox SET slot = :s WHERE seq = :q"),
            [{"s": _slot(p), "q": q} for q, p in inbox],
        )
    op.create_table(
        "stage_workers",
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("worker_id", sa.String(length=200), nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("stage", "worker_id", name=op.f("pk_stage_workers")),
    )
    op.create_table(
        "stage_leases",
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("worker_id", sa.String(length=200), nullable=True),
        sa.Column("expires_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("stage", "slot", name=op.f("pk_stage_leases")),
    )


def downgrade() -> None:
    op.drop_table("stage_leases")
    op.drop_table("stage_workers")
    op.drop_index(op.f("ix_journey_inbox_slot_seq"), table_name="journey_inbox")
    op.drop_index(op.f("ix_profile_due_slot_due_at"), table_name="profile_due")
    for table in ("profile_due", "journey_inbox"):
        op.drop_column(table, "slot")
