"""task escalation to supervisors, a task's legal basis, the municipality follow-up's area
and basis

Revision ID: b3f19c6e2d57
Revises: c3f1a8d2e6b4
Create Date: 2026-12-05 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b3f19c6e2d57"
down_revision = "c3f1a8d2e6b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added columns only, all nullable: batch mode on SQLite copies neither tasks nor
    # notifications, and rows written before read as "not escalated", "no basis".
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_to", sa.String(), nullable=True))
        batch.add_column(sa.Column("legal_basis", sa.String(), nullable=True))
    with op.batch_alter_table("municipality_notifications") as batch:
        batch.add_column(sa.Column("area_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("basis", sa.String(), nullable=True))
    op.create_index(op.f("ix_municipality_notifications_area_id"),
                    "municipality_notifications", ["area_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_municipality_notifications_area_id"), "municipality_notifications")
    with op.batch_alter_table("municipality_notifications") as batch:
        batch.drop_column("basis")
        batch.drop_column("area_id")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("legal_basis")
        batch.drop_column("escalated_to")
        batch.drop_column("escalated_at")
