"""The hot-spot cell's history: (town, village, received_at). Without it PostgreSQL counted a village's 84
days by scanning its town's (or the whole ledger's) time range and filtering.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_place_recv", "cases", ["town", "village", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_place_recv", table_name="cases")
