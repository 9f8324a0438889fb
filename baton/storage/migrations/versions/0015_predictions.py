"""predictions: definitions, model versions, scores, the catalogue, decide-node decisions

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "predictions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("definition", DOCUMENT, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("train_requested_at", INSTANT, nullable=True),
        sa.Column("train_requested_by", sa.String(length=40), nullable=True),
        sa.Column("train_needs_review", sa.Boolean(), nullable=False),
        sa.Column("training_started_at", INSTANT, nullable=True),
        sa.Column("active_version", sa.Integer(), nullable=True),
        sa.Column("next_train_at", INSTANT, nullable=True),
        sa.Column("next_score_at", INSTANT, nullable=True),
        sa.Column("event_cursor", sa.BigInteger(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_predictions_workspace_id_key")),
    )
    op.create_table(
        "prediction_versions",
        sa.Column("prediction_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("definition", DOCUMENT, nullable=False),
        sa.Column("metrics", DOCUMENT, nullable=False),
        sa.Column("features", DOCUMENT, nullable=False),
        sa.Column("model_card", DOCUMENT, nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("window_start", INSTANT, nullable=True),
        sa.Column("window_end", INSTANT, nullable=True),
        sa.Column("trained_at", INSTANT, nullable=False),
        sa.Column("review_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("prediction_id", "version", name=op.f("pk_prediction_versions")),
    )
    op.create_table(
        "prediction_scores",
        sa.Column("prediction_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("decile", sa.Integer(), nullable=True),
        sa.Column("detail", DOCUMENT, nullable=True),
        sa.Column("scored_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("prediction_id", "profile_id", name=op.f("pk_prediction_scores")),
    )
    op.create_index(
        op.f("ix_prediction_scores_workspace_id_profile_id"),
        "prediction_scores",
        ["workspace_id", "profile_id"],
    )
    op.create_table(
        "catalog_items",
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("attributes", DOCUMENT, nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "item_id", name=op.f("pk_catalog_items")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("journey_id", sa.String(length=40), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("instance_id", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("arm", sa.String(length=100), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("context", DOCUMENT, nullable=False),
        sa.Column("decided_at", INSTANT, nullable=False),
        sa.Column("reward", sa.Float(), nullable=True),
        sa.Column("rewarded_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("instance_id", "node", name=op.f("uq_decisions_instance_id_node")),
    )
    op.create_index(
        op.f("ix_decisions_journey_id_node_decided_at"),
        "decisions",
        ["journey_id", "node", "decided_at"],
    )
    op.create_index(
        op.f("ix_decisions_workspace_id_profile_id"), "decisions", ["workspace_id", "profile_id"]
    )


def downgrade() -> None:
    for table in (
        "decisions",
        "catalog_items",
        "prediction_scores",
        "prediction_versions",
        "predictions",
    ):
        op.drop_table(table)
