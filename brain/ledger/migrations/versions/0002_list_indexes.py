"""List indexes by (filter, received_at, id): the paged list is newest first by received_at.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD = {
    "ix_cases_status_id": ["status", "id"],
    "ix_cases_town_id": ["town", "id"],
    "ix_cases_village_id": ["village", "id"],
    "ix_cases_type_id": ["type", "id"],
    "ix_cases_risk_id": ["risk", "id"],
    "ix_cases_received_at": ["received_at"],
}
NEW = {
    "ix_cases_status_recv": ["status", "received_at", "id"],
    "ix_cases_town_recv": ["town", "received_at", "id"],
    "ix_cases_village_recv": ["village", "received_at", "id"],
    "ix_cases_type_recv": ["type", "received_at", "id"],
    "ix_cases_risk_recv": ["risk", "received_at", "id"],
    "ix_cases_recv": ["received_at", "id"],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="cases")
    for name, cols in NEW.items():
        op.create_index(name, "cases", cols)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="cases")
    for name, cols in OLD.items():
        op.create_index(name, "cases", cols)
