"""agency and identity

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('password_changed_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('failed_logons', sa.Integer(), nullable=False),
    sa.Column('locked_until', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_logon_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('email', name=op.f('uq_accounts_email'))
    )
    op.create_table('divisions',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_divisions'))
    )
    op.create_table('offices',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_offices')),
    sa.UniqueConstraint('name', name=op.f('uq_offices_name'))
    )
    op.create_table('roles',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_roles'))
    )
    op.create_table('account_roles',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('role_name', sa.String(length=60), nullable=False),
    sa.Column('granted_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_roles_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_name'], ['roles.name'], name=op.f('fk_account_roles_role_name_roles')),
    sa.PrimaryKeyConstraint('account_id', 'role_name', name=op.f('pk_account_roles'))
    )
    op.create_table('api_tokens',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('expires_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_api_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('role_permissions',
    sa.Column('role_name', sa.String(length=60), nullable=False),
    sa.Column('permission', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['role_name'], ['roles.name'], name=op.f('fk_role_permissions_role_name_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_name', 'permission', name=op.f('pk_role_permissions'))
    )
    op.create_table('units',
    sa.Column('office_code', sa.String(length=12), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_units_division_code_divisions')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_units_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('office_code', 'division_code', 'name', name=op.f('uq_units_office_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_office_code'), ['office_code'], unique=False)

    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mfa_verified_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_web_sessions_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_account_id'), ['account_id'], unique=False)

    op.create_table('people',
    sa.Column('badge', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('office_code', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=True),
    sa.Column('supervisor_id', sa.Uuid(), nullable=True),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_people_account_id_accounts')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_people_division_code_divisions')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_people_office_code_offices')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['people.id'], name=op.f('fk_people_supervisor_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_people_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('account_id', name=op.f('uq_people_account_id')),
    sa.UniqueConstraint('badge', name=op.f('uq_people_badge'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_unit_id'), ['unit_id'], unique=False)

    op.create_table('training_records',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('course', sa.String(length=120), nullable=False),
    sa.Column('completed_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_training_records_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_records_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_records_person_id'))

    op.drop_table('training_records')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_unit_id'))
        batch_op.drop_index(batch_op.f('ix_people_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_people_office_code'))
        batch_op.drop_index(batch_op.f('ix_people_division_code'))

    op.drop_table('people')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_account_id'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_office_code'))

    op.drop_table('units')
    op.drop_table('role_permissions')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_account_id'))

    op.drop_table('api_tokens')
    op.drop_table('account_roles')
    op.drop_table('roles')
    op.drop_table('offices')
    op.drop_table('divisions')
    op.drop_table('accounts')
