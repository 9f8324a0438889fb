"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "component_users",
        sa.Column("component_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("component_id", "user_id", name=op.f("pk_component_users")),
    )
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("anonymous_id", sa.String(length=200), nullable=True),
        sa.Column("group_id", sa.String(length=200), nullable=True),
        sa.Column("previous_id", sa.String(length=200), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_timestamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("properties", DOCUMENT, nullable=True),
        sa.Column("traits", DOCUMENT, nullable=True),
        sa.Column("context", DOCUMENT, nullable=True),
        sa.Column("integrations", DOCUMENT, nullable=True),
        sa.Column("extra", DOCUMENT, nullable=True),
        sa.Column("profile_id", sa.String(length=40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint(
            "workspace_id", "message_id", name=op.f("uq_events_workspace_id_message_id")
        ),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_pending",
            ["seq"],
            unique=False,
            sqlite_where=sa.text("profile_id IS NULL AND error IS NULL"),
            postgresql_where=sa.text("profile_id IS NULL AND error IS NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_profile_id_timestamp_seq"),
            ["workspace_id", "profile_id", "timestamp", "seq"],
            unique=False,
        )

    op.create_table(
        "identifiers",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=True),
        sa.Column("component_id", sa.String(length=40), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "value", name=op.f("pk_identifiers")),
    )
    with op.batch_alter_table("identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identifiers_workspace_id_component_id"),
            ["workspace_id", "component_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_identifiers_workspace_id_profile_id"),
            ["workspace_id", "profile_id"],
            unique=False,
        )

    op.create_table(
        "identity_components",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_components")),
    )
    op.create_table(
        "merges",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("survivor_id", sa.String(length=40), nullable=False),
        sa.Column("merged_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merges")),
    )
    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merges_workspace_id_survivor_id"),
            ["workspace_id", "survivor_id"],
            unique=False,
        )

    op.create_table(
        "profiles",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("merged_into", sa.String(length=40), nullable=True),
        sa.Column("traits", DOCUMENT, nullable=False),
        sa.Column("trait_versions", DOCUMENT, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profiles_workspace_id_merged_into_id"),
            ["workspace_id", "merged_into", "id"],
            unique=False,
        )

    op.create_table(
        "user_aliases",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("previous_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "previous_id", "user_id", name=op.f("pk_user_aliases")
        ),
    )
    with op.batch_alter_table("user_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_aliases_workspace_id_user_id"),
            ["workspace_id", "user_id"],
            unique=False,
        )

    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_default", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_api_keys_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_workspace_id_kind"), ["workspace_id", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_workspace_id_kind"))

    op.drop_table("api_keys")
    op.drop_table("workspaces")
    with op.batch_alter_table("user_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_aliases_workspace_id_user_id"))

    op.drop_table("user_aliases")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profiles_workspace_id_merged_into_id"))

    op.drop_table("profiles")
    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merges_workspace_id_survivor_id"))

    op.drop_table("merges")
    op.drop_table("identity_components")
    with op.batch_alter_table("identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identifiers_workspace_id_profile_id"))
        batch_op.drop_index(batch_op.f("ix_identifiers_workspace_id_component_id"))

    op.drop_table("identifiers")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_profile_id_timestamp_seq"))
        batch_op.drop_index(
            "ix_events_pending",
            sqlite_where=sa.text("profile_id IS NULL AND error IS NULL"),
            postgresql_where=sa.text("profile_id IS NULL AND error IS NULL"),
        )

    op.drop_table("events")
    op.drop_table("component_users")
