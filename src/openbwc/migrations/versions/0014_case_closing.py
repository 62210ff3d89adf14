"""cases get a closing date, who closed them and why (RET-3: evidentiary footage runs from the closing)

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 10:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("closed_by_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("close_reason")
        batch_op.drop_column("closed_by_name")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
