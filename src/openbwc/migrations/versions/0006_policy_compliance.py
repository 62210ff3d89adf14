"""policy and compliance: activated policies, PRO-1 seals, activities, findings, recording links, ACC-4 reviews, runs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compliance_findings',
    sa.Column('activity_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('rule_id', sa.String(length=12), nullable=False),
    sa.Column('policy_version', sa.String(length=40), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('evaluated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('activity_id', 'person_id', 'code', name=op.f('pk_compliance_findings')),
    sqlite_with_rowid=False
    )
    op.create_table('compliance_runs',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('policy_version', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=300), nullable=False),
    sa.Column('started_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('findings', sa.Integer(), nullable=False),
    sa.Column('recordings', sa.Integer(), nullable=False),
    sa.Column('recordings_through', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_runs'))
    )
    with op.batch_alter_table('compliance_runs', schema=None) as batch_op:
        batch_op.create_index('ix_compliance_runs_started_at', ['started_at'], unique=False)

    op.create_table('policies',
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('activated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('activated_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies'))
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index('ix_policies_activated_at', ['activated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_policies_version'), ['version'], unique=False)

    op.create_table('activities',
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('office_code', sa.String(length=12), nullable=False),
    sa.Column('started_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('planned', sa.Boolean(), nullable=False),
    sa.Column('exception_code', sa.String(length=12), nullable=True),
    sa.Column('exception_approved_by', sa.Uuid(), nullable=True),
    sa.Column('first_amendment', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['exception_approved_by'], ['people.id'], name=op.f('fk_activities_exception_approved_by_people')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_activities_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('ref', name=op.f('uq_activities_ref'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_office_started', ['office_code', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_started_at'), ['started_at'], unique=False)

    op.create_table('activity_officers',
    sa.Column('activity_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_officers_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_activity_officers_person_id_people')),
    sa.PrimaryKeyConstraint('activity_id', 'person_id', name=op.f('pk_activity_officers'))
    )
    with op.batch_alter_table('activity_officers', schema=None) as batch_op:
        batch_op.create_index('ix_activity_officers_person_id', ['person_id'], unique=False)

    op.create_table('recording_links',
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('activity_id', sa.Uuid(), nullable=False),
    sa.Column('linked_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=120), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_recording_links_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_recording_links_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', 'activity_id', name=op.f('pk_recording_links'))
    )
    with op.batch_alter_table('recording_links', schema=None) as batch_op:
        batch_op.create_index('ix_recording_links_activity_id', ['activity_id'], unique=False)

    op.create_table('recording_seals',
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('rule_id', sa.String(length=12), nullable=False),
    sa.Column('policy_version', sa.String(length=40), nullable=False),
    sa.Column('sealed_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sealed_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_recording_seals_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', name=op.f('pk_recording_seals'))
    )
    op.create_table('review_assignments',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('supervisor_id', sa.Uuid(), nullable=True),
    sa.Column('drawn_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('draw_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reviewed_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['people.id'], name=op.f('fk_review_assignments_officer_id_people')),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_review_assignments_recording_id_recordings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['people.id'], name=op.f('fk_review_assignments_supervisor_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assignments')),
    sa.UniqueConstraint('recording_id', name=op.f('uq_review_assignments_recording_id'))
    )
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_review_assignments_month_officer', ['month', 'officer_id'], unique=False)
        batch_op.create_index('ix_review_assignments_supervisor_id', ['supervisor_id'], unique=False)

    op.create_table('unlinked_recordings',
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('found_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_unlinked_recordings_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', name=op.f('pk_unlinked_recordings'))
    )


def downgrade() -> None:
    op.drop_table('unlinked_recordings')
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_review_assignments_supervisor_id')
        batch_op.drop_index('ix_review_assignments_month_officer')

    op.drop_table('review_assignments')
    op.drop_table('recording_seals')
    with op.batch_alter_table('recording_links', schema=None) as batch_op:
        batch_op.drop_index('ix_recording_links_activity_id')

    op.drop_table('recording_links')
    with op.batch_alter_table('activity_officers', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_officers_person_id')

    op.drop_table('activity_officers')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_started_at'))
        batch_op.drop_index('ix_activities_office_started')

    op.drop_table('activities')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_version'))
        batch_op.drop_index('ix_policies_activated_at')

    op.drop_table('policies')
    with op.batch_alter_table('compliance_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_compliance_runs_started_at')

    op.drop_table('compliance_runs')
    op.drop_table('compliance_findings')
