"""identity documents a requester attaches on the portal

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_request_documents",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["access_requests.id"],
            name=op.f("fk_access_request_documents_request_id_access_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request_documents")),
    )
    with op.batch_alter_table("access_request_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_request_documents_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_request_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_request_documents_request_id"))
    op.drop_table("access_request_documents")
