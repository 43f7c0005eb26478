"""case stage history and Politiets Tryghedsindeks: the partnership's yearly figures

Revision ID: c3f1a8d2e6b4
Revises: c3e81f4a5d27
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3f1a8d2e6b4"
down_revision = "c3e81f4a5d27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cases recorded before this revision have no history: the report counts them apart.
    op.create_table(
        "case_stages",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.String(), nullable=True),
        sa.Column("area_id", sa.String(), nullable=True),
        sa.Column("housing_org_id", sa.String(), nullable=True),
        sa.Column("police_district", sa.String(), nullable=True),
        sa.Column("eligibility", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "seq"),
    )
    op.create_index("ix_case_stages_partnership_at", "case_stages", ["partnership_id", "at"])
    op.create_index("ix_case_stages_area_at", "case_stages", ["area_id", "at"])
    op.create_table(
        "tryghedsindeks",
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("area_id", "year", "indicator"),
    )


def downgrade() -> None:
    op.drop_table("tryghedsindeks")
    op.drop_index("ix_case_stages_area_at", "case_stages")
    op.drop_index("ix_case_stages_partnership_at", "case_stages")
    op.drop_table("case_stages")
