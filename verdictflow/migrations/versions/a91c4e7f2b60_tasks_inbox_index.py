"""tasks inbox index: an organisation's tasks in a state, by deadline then id (GET /tasks pages)

Revision ID: a91c4e7f2b60
Revises: e4b7d19a3c52
Create Date: 2026-12-05 23:10:00
"""

from __future__ import annotations

from alembic import op

revision = "a91c4e7f2b60"
down_revision = "e4b7d19a3c52"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_inbox", "tasks", ["org_id", "status", "due_on", "task_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_inbox", table_name="tasks")
