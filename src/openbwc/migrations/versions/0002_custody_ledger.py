"""custody ledger: entries with their stored subtree hashes, signed tree heads, append-only triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LEDGER_TABLES = ("ledger_entries", "ledger_heads")


def upgrade() -> None:
    op.create_table('ledger_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=120), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('leaf', sa.LargeBinary(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('subtree_hashes', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_evidence_sha256'), ['evidence_sha256'], unique=False)
        batch_op.create_index('ix_ledger_entries_object', ['object_type', 'object_id'], unique=False)

    op.create_table('ledger_heads',
    sa.Column('number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('signed_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_ledger_heads'))
    )
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    """The database itself refuses UPDATE and DELETE on the ledger (POLICY SEC-2, INT-3).

    Not a substitute for verification (whoever can drop a trigger can rewrite the
    tables), but it stops every ordinary code path and slip of the hand, and a
    rewrite then shows in `bwc ledger verify` and to anyone holding signed heads.
    On SQLite, a later migration that rebuilds these tables (batch mode) must
    create the triggers again.
    """
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'custody ledger: % on % refused, the ledger is append-only', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        for table in LEDGER_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
            # TRUNCATE skips row triggers; it needs a statement trigger of its own.
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
            )
    elif dialect == "sqlite":
        for table in LEDGER_TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'custody ledger: {verb} on {table} refused, "
                    "the ledger is append-only'); END"
                )
    else:
        raise RuntimeError(f"no append-only triggers for database dialect {dialect!r}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in LEDGER_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_refuse_change()")
    op.drop_table('ledger_heads')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_object')
        batch_op.drop_index(batch_op.f('ix_ledger_entries_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_action'))

    op.drop_table('ledger_entries')
