"""fleet: cameras, hand-overs, camera history, docks, telemetry, malfunction reports, rollout phases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rollout_phases',
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('divisions', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_rollout_phases'))
    )
    op.create_table('docks',
    sa.Column('office_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_docks_account_id_accounts')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_docks_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docks')),
    sa.UniqueConstraint('account_id', name=op.f('uq_docks_account_id')),
    sa.UniqueConstraint('office_code', 'name', name=op.f('uq_docks_office_code'))
    )
    with op.batch_alter_table('docks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_docks_office_code'), ['office_code'], unique=False)

    op.create_table('rollout_targets',
    sa.Column('phase_number', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=12), nullable=False),
    sa.Column('planned_cameras', sa.Integer(), nullable=False),
    sa.Column('officers_needed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_rollout_targets_office_code_offices')),
    sa.ForeignKeyConstraint(['phase_number'], ['rollout_phases.number'], name=op.f('fk_rollout_targets_phase_number_rollout_phases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('phase_number', 'office_code', name=op.f('pk_rollout_targets'))
    )
    op.create_table('cameras',
    sa.Column('serial', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('firmware', sa.String(length=40), nullable=True),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('office_code', sa.String(length=12), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('registered_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_upload_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_telemetry_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('battery_health_pct', sa.Integer(), nullable=True),
    sa.Column('storage_used_pct', sa.Float(), nullable=True),
    sa.Column('last_dock_id', sa.Uuid(), nullable=True),
    sa.Column('updated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['last_dock_id'], ['docks.id'], name=op.f('fk_cameras_last_dock_id_docks')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_cameras_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cameras')),
    sa.UniqueConstraint('key_id', name=op.f('uq_cameras_key_id')),
    sa.UniqueConstraint('serial', name=op.f('uq_cameras_serial'))
    )
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cameras_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cameras_status'), ['status'], unique=False)

    op.create_table('camera_assignments',
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('issued_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('returned_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issued_by', sa.String(length=120), nullable=False),
    sa.Column('returned_by', sa.String(length=120), nullable=True),
    sa.Column('end_reason', sa.String(length=30), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_camera_assignments_camera_id_cameras'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_camera_assignments_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_assignments'))
    )
    with op.batch_alter_table('camera_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_camera_assignments_camera_issued', ['camera_id', 'issued_at'], unique=False)
        batch_op.create_index('ix_camera_assignments_person_issued', ['person_id', 'issued_at'], unique=False)
        batch_op.create_index('uq_camera_assignments_open_camera', ['camera_id'], unique=True, sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.create_index('uq_camera_assignments_open_person', ['person_id'], unique=True, sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))

    op.create_table('camera_events',
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status_from', sa.String(length=20), nullable=True),
    sa.Column('status_to', sa.String(length=20), nullable=True),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_camera_events_camera_id_cameras'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_camera_events_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_events'))
    )
    with op.batch_alter_table('camera_events', schema=None) as batch_op:
        batch_op.create_index('ix_camera_events_camera_at', ['camera_id', 'at'], unique=False)

    op.create_table('camera_telemetry',
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('dock_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('battery_health_pct', sa.Integer(), nullable=True),
    sa.Column('storage_used_pct', sa.Float(), nullable=True),
    sa.Column('firmware', sa.String(length=40), nullable=True),
    sa.Column('last_upload_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_camera_telemetry_camera_id_cameras'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dock_id'], ['docks.id'], name=op.f('fk_camera_telemetry_dock_id_docks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_telemetry'))
    )
    with op.batch_alter_table('camera_telemetry', schema=None) as batch_op:
        batch_op.create_index('ix_camera_telemetry_camera_received', ['camera_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_camera_telemetry_dock_id'), ['dock_id'], unique=False)

    op.create_table('malfunction_reports',
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('reported_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.String(length=120), nullable=False),
    sa.Column('reporter_name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('dock_id', sa.Uuid(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('window_start', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder_person_id', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_malfunction_reports_camera_id_cameras'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dock_id'], ['docks.id'], name=op.f('fk_malfunction_reports_dock_id_docks')),
    sa.ForeignKeyConstraint(['holder_person_id'], ['people.id'], name=op.f('fk_malfunction_reports_holder_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_malfunction_reports'))
    )
    with op.batch_alter_table('malfunction_reports', schema=None) as batch_op:
        batch_op.create_index('ix_malfunction_reports_camera_window', ['camera_id', 'window_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_malfunction_reports_holder_person_id'), ['holder_person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('malfunction_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_malfunction_reports_holder_person_id'))
        batch_op.drop_index('ix_malfunction_reports_camera_window')

    op.drop_table('malfunction_reports')
    with op.batch_alter_table('camera_telemetry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_camera_telemetry_dock_id'))
        batch_op.drop_index('ix_camera_telemetry_camera_received')

    op.drop_table('camera_telemetry')
    with op.batch_alter_table('camera_events', schema=None) as batch_op:
        batch_op.drop_index('ix_camera_events_camera_at')

    op.drop_table('camera_events')
    with op.batch_alter_table('camera_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_camera_assignments_open_person', sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index('uq_camera_assignments_open_camera', sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index('ix_camera_assignments_person_issued')
        batch_op.drop_index('ix_camera_assignments_camera_issued')

    op.drop_table('camera_assignments')
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cameras_status'))
        batch_op.drop_index(batch_op.f('ix_cameras_office_code'))

    op.drop_table('cameras')
    op.drop_table('rollout_targets')
    with op.batch_alter_table('docks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_docks_office_code'))

    op.drop_table('docks')
    op.drop_table('rollout_phases')
