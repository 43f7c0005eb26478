"""reentry refusals: applicants refused under udlejningsbekendtgørelsen § 28 (the fact only)

Revision ID: 9a28c1e0b7f3
Revises: 7d2e5b1c9a40
Create Date: 2026-12-05 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9a28c1e0b7f3"
down_revision = "7d2e5b1c9a40"
branch_labels = None
depends_on = None

INDEXED = ("area_id", "org_id", "person_ref")


def upgrade() -> None:
    op.create_table(
        "reentry_refusals",
        sa.Column("refusal_id", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("partnership_id", sa.String(), nullable=True),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("municipality_id", sa.String(), nullable=True),
        sa.Column("block_id", sa.String(), nullable=True),
        sa.Column("person_ref", sa.String(), nullable=False),
        sa.Column("move_in_on", sa.Date(), nullable=False),
        sa.Column("refused_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("refusal_id"),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_reentry_refusals_{column}"), "reentry_refusals", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_reentry_refusals_{column}"), "reentry_refusals")
    op.drop_table("reentry_refusals")
