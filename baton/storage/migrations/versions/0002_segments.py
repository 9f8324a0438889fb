"""segments and computed traits

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)

# Date strings in traits and properties are compared as instants; a malformed one must
# read as "not a date" instead of failing the whole segment query.
TRY_TIMESTAMPTZ = r"""
CREATE OR REPLACE FUNCTION baton_try_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL OR value !~ ('^\d{4}-\d{2}-\d{2}'
            '([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$') THEN
        RETURN NULL;
    END IF;
    RETURN CAST(value AS timestamp) AT TIME ZONE 'UTC'
        - CASE WHEN value ~ '([+-]\d{2}):(\d{2})$' THEN
              CAST(substring(value from '([+-]\d{2}:\d{2})$') AS interval)
          ELSE interval '0' END;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    op.create_index(
        op.f("ix_events_workspace_id_profile_id_event_timestamp"),
        "events",
        ["workspace_id", "profile_id", "event", "timestamp"],
    )
    op.add_column("profiles", sa.Column("computed", DOCUMENT, nullable=True))
    op.create_table(
        "definitions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", DOCUMENT, nullable=False),
        sa.Column("built_version", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definitions")),
        sa.UniqueConstraint(
            "workspace_id", "kind", "key", name=op.f("uq_definitions_workspace_id_kind_key")
        ),
    )
    op.create_table(
        "segment_memberships",
        sa.Column("segment_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "profile_id", name=op.f("pk_segment_memberships")),
    )
    op.create_index(
        op.f("ix_segment_memberships_workspace_id_profile_id"),
        "segment_memberships",
        ["workspace_id", "profile_id"],
    )
    op.create_table(
        "profile_due",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "profile_id", name=op.f("pk_profile_due")),
    )
    op.create_index(op.f("ix_profile_due_due_at"), "profile_due", ["due_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRY_TIMESTAMPTZ)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS baton_try_timestamptz(text)")
    op.drop_index(op.f("ix_profile_due_due_at"), table_name="profile_due")
    op.drop_table("profile_due")
    op.drop_index(
        op.f("ix_segment_memberships_workspace_id_profile_id"), table_name="segment_memberships"
    )
    op.drop_table("segment_memberships")
    op.drop_table("definitions")
    op.drop_column("profiles", "computed")
    op.drop_index(op.f("ix_events_workspace_id_profile_id_event_timestamp"), table_name="events")
