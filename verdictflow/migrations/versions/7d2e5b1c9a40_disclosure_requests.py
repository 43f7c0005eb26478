"""disclosure requests: a housing organisation's question about a resident (by pseudonym)

Revision ID: 7d2e5b1c9a40
Revises: 4c7a6f3aad56
Create Date: 2026-11-25 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d2e5b1c9a40"
down_revision = "4c7a6f3aad56"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosure_requests",
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("police_district", sa.String(), nullable=False),
        sa.Column("person_ref", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("open_until", sa.Date(), nullable=False),
        sa.Column("answered_by_case", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    for column in ("org_id", "police_district", "person_ref"):
        op.create_index(op.f(f"ix_disclosure_requests_{column}"), "disclosure_requests",
                        [column])


def downgrade() -> None:
    for column in ("org_id", "police_district", "person_ref"):
        op.drop_index(op.f(f"ix_disclosure_requests_{column}"), "disclosure_requests")
    op.drop_table("disclosure_requests")
