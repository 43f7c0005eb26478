"""initial gateway store: the table create_all made before migrations

Revision ID: b11268bcffc5
Revises:
Create Date: 2026-11-23 18:19:43.613816
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b11268bcffc5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_disclosures",
        sa.Column("disclosure_id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("sealed", sa.String(), nullable=True),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("disclosure_id"),
    )
    op.create_index(op.f("ix_gateway_disclosures_org_id"), "gateway_disclosures", ["org_id"])


def downgrade() -> None:
    op.drop_table("gateway_disclosures")
