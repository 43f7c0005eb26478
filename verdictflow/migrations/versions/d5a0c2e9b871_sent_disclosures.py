"""sent disclosures: the sealed bytes of each disclosure, kept for re-sending, the decision
task and ingest's receipt check (``deliver_disclosure``)

Revision ID: d5a0c2e9b871
Revises: a91c4e7f2b60
Create Date: 2026-12-06 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d5a0c2e9b871"
down_revision = "a91c4e7f2b60"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("disclosure_id", sa.String(), primary_key=True),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("sealed", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_disclosures_case_id", "disclosures", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_disclosures_case_id", table_name="disclosures")
    op.drop_table("disclosures")
