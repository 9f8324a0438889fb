"""teams: users, memberships, sessions, e-mailed links, roles of admin keys, the audit
trail, reviews, workspace keys

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("require_approval", DOCUMENT, nullable=True))
        batch.create_unique_constraint(op.f("uq_workspaces_key"), ["key"])
    # Existing workspaces: "default" for the default one, their id for the others.
    op.execute("UPDATE workspaces SET key = CASE WHEN is_default = 1 THEN 'default' ELSE id END")
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("expires_at", INSTANT, nullable=True))
        batch.add_column(sa.Column("last_used_at", INSTANT, nullable=True))
        batch.add_column(sa.Column("created_by", sa.String(length=40), nullable=True))
    # Admin tokens made before roles could do everything but delete the workspace.
    op.execute("UPDATE api_keys SET role = 'admin' WHERE kind = 'admin'")
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("installation_owner", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("password_changed_at", INSTANT, nullable=True),
        sa.Column("oidc_issuer", sa.String(length=300), nullable=True),
        sa.Column("oidc_subject", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint(
            "oidc_issuer", "oidc_subject", name=op.f("uq_users_oidc_issuer_oidc_subject")
        ),
    )
    op.create_table(
        "memberships",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_memberships_workspace_id_workspaces")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("last_seen_at", INSTANT, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("used_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
    )
    op.create_index(op.f("ix_user_tokens_email_purpose"), "user_tokens", ["email", "purpose"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=True),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=200), nullable=True),
        sa.Column("profile_id", sa.String(length=40), nullable=True),
        sa.Column("changes", DOCUMENT, nullable=True),
        sa.Column("detail", DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_workspace_id_id"), "audit_log", ["workspace_id", "id"])
    op.create_index(
        op.f("ix_audit_log_workspace_id_object_type_object_id"),
        "audit_log",
        ["workspace_id", "object_type", "object_id"],
    )
    op.create_index(op.f("ix_audit_log_profile_id"), "audit_log", ["profile_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_key", sa.String(length=200), nullable=False),
        sa.Column("proposed", DOCUMENT, nullable=True),
        sa.Column("changes", DOCUMENT, nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", INSTANT, nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", INSTANT, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_reviews_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index(
        op.f("ix_reviews_workspace_id_status_id"), "reviews", ["workspace_id", "status", "id"]
    )


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("audit_log")
    op.drop_table("user_tokens")
    op.drop_table("sessions")
    op.drop_table("memberships")
    op.drop_table("users")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("created_by")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_column("role")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_constraint(op.f("uq_workspaces_key"), type_="unique")
        batch.drop_column("require_approval")
        batch.drop_column("key")
