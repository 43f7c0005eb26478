"""initial read model: the tables create_all made before migrations, and the audit triggers

Revision ID: 4c7a6f3aad56
Revises:
Create Date: 2026-11-23 18:19:43.046318
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "4c7a6f3aad56"
down_revision = None
branch_labels = None
depends_on = None

# Copied, not imported, from verdictflow.platform.audit.ensure_append_only (same names, same SQL):
# a revision must stay as it ran. ensure_append_only finds them and creates nothing.
# PostgreSQL's equivalent is the application role's privileges (INSERT, SELECT only).
_AUDIT_TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log",
}


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("police_district", sa.String(), nullable=True),
        sa.Column("partnership_id", sa.String(), nullable=True),
        sa.Column("area_id", sa.String(), nullable=True),
        sa.Column("housing_org_id", sa.String(), nullable=True),
        sa.Column("person_ref", sa.String(), nullable=True),
        sa.Column("eligibility", sa.String(), nullable=True),
        sa.Column("policy_version", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("stage_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index(op.f("ix_cases_person_ref"), "cases", ["person_ref"])

    op.create_table(
        "tasks",
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("sealed_disclosure", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index(op.f("ix_tasks_case_id"), "tasks", ["case_id"])
    op.create_index(op.f("ix_tasks_org_id"), "tasks", ["org_id"])

    op.create_table(
        "reentry_blocks",
        sa.Column("block_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("person_ref", sa.String(), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lift_reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("block_id"),
    )
    op.create_index(op.f("ix_reentry_blocks_area_id"), "reentry_blocks", ["area_id"])
    op.create_index(op.f("ix_reentry_blocks_case_id"), "reentry_blocks", ["case_id"])
    op.create_index(op.f("ix_reentry_blocks_person_ref"), "reentry_blocks", ["person_ref"])

    op.create_table(
        "municipality_notifications",
        sa.Column("notification_id", sa.String(), nullable=False),
        sa.Column("municipality_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_content", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("notification_id"),
    )
    op.create_index(op.f("ix_municipality_notifications_case_id"),
                    "municipality_notifications", ["case_id"])
    op.create_index(op.f("ix_municipality_notifications_municipality_id"),
                    "municipality_notifications", ["municipality_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_hash"),
    )
    op.create_index(op.f("ix_audit_log_seq"), "audit_log", ["seq"], unique=True)
    if op.get_bind().dialect.name == "sqlite":
        for name, when in _AUDIT_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {when} "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    # Dropping a table drops its indexes (and, on SQLite, its triggers); explicit anyway.
    if op.get_bind().dialect.name == "sqlite":
        for name in _AUDIT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("audit_log", "municipality_notifications", "reentry_blocks", "tasks",
                  "cases"):
        op.drop_table(table)
