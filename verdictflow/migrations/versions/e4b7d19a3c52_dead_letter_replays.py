"""dead letter replays: each dead letter re-driven once (topic, partition, offset)

Revision ID: e4b7d19a3c52
Revises: b3f19c6e2d57
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e4b7d19a3c52"
down_revision = "b3f19c6e2d57"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letter_replays",
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition", "offset"),
    )


def downgrade() -> None:
    op.drop_table("dead_letter_replays")
