"""reentry checks (§ 28, § 63 e): a block's ground and sealed tenant, positive checks, the
refusal's sealed grounds and its report mark

Revision ID: c3e81f4a5d27
Revises: 9a28c1e0b7f3
Create Date: 2026-12-05 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3e81f4a5d27"
down_revision = "9a28c1e0b7f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns only: SQLite adds them in place, no table copy.
    op.add_column("reentry_blocks", sa.Column("ground", sa.String(), nullable=True))
    op.add_column("reentry_blocks", sa.Column("sealed_tenant", sa.String(), nullable=True))
    op.add_column("reentry_refusals", sa.Column("check_id", sa.String(), nullable=True))
    op.add_column("reentry_refusals", sa.Column("sealed_grounds", sa.String(), nullable=True))
    op.add_column("reentry_refusals",
                  sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_reentry_refusals_reported_at"), "reentry_refusals",
                    ["reported_at"])
    op.create_table(
        "reentry_checks",
        sa.Column("check_id", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("block_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("person_ref", sa.String(), nullable=False),
        sa.Column("move_in_on", sa.Date(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("check_id"),
    )
    for column in ("org_id", "person_ref"):
        op.create_index(op.f(f"ix_reentry_checks_{column}"), "reentry_checks", [column])


def downgrade() -> None:
    for column in ("org_id", "person_ref"):
        op.drop_index(op.f(f"ix_reentry_checks_{column}"), "reentry_checks")
    op.drop_table("reentry_checks")
    op.drop_index(op.f("ix_reentry_refusals_reported_at"), "reentry_refusals")
    with op.batch_alter_table("reentry_refusals") as batch:
        for column in ("reported_at", "sealed_grounds", "check_id"):
            batch.drop_column(column)
    with op.batch_alter_table("reentry_blocks") as batch:
        for column in ("sealed_tenant", "ground"):
            batch.drop_column(column)
