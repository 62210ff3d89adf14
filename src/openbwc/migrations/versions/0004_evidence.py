"""evidence: objects, recordings, segments, flags, tags, cases, quarantine, tus uploads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_cases_number'))
    )
    op.create_table('evidence_categories',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_evidence_categories'))
    )
    # Every recording starts uncategorized (the foreign key needs the row).
    categories = sa.table('evidence_categories', sa.column('code', sa.String), sa.column('name', sa.String))
    op.bulk_insert(categories, [{'code': 'uncategorized', 'name': 'Uncategorized'}])
    op.create_table('evidence_objects',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('container', sa.String(length=60), nullable=True),
    sa.Column('video_codec', sa.String(length=30), nullable=True),
    sa.Column('audio_codec', sa.String(length=30), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('fps', sa.Float(), nullable=True),
    sa.Column('frames', sa.Integer(), nullable=True),
    sa.Column('media_created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stored_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_verified_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_verify_ok', sa.Boolean(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_objects')),
    sa.UniqueConstraint('sha256', name=op.f('uq_evidence_objects_sha256'))
    )
    op.create_table('recordings',
    sa.Column('officer_id', sa.Uuid(), nullable=True),
    sa.Column('camera_id', sa.Uuid(), nullable=True),
    sa.Column('office_code', sa.String(length=12), nullable=True),
    sa.Column('recorded_start', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('activated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_end', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pre_event_buffer_s', sa.Integer(), nullable=True),
    sa.Column('trigger', sa.String(length=60), nullable=True),
    sa.Column('stop_reason', sa.Text(), nullable=True),
    sa.Column('subject_notified', sa.Boolean(), nullable=True),
    sa.Column('category_code', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=True),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=True),
    sa.Column('signature_key_id', sa.String(length=64), nullable=True),
    sa.Column('segment_count', sa.Integer(), nullable=False),
    sa.Column('total_size', sa.BigInteger(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('ingested_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ingested_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_recordings_camera_id_cameras')),
    sa.ForeignKeyConstraint(['category_code'], ['evidence_categories.code'], name=op.f('fk_recordings_category_code_evidence_categories')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_recordings_office_code_offices')),
    sa.ForeignKeyConstraint(['officer_id'], ['people.id'], name=op.f('fk_recordings_officer_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recordings')),
    sa.UniqueConstraint('manifest_sha256', name=op.f('uq_recordings_manifest_sha256'))
    )
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.create_index('ix_recordings_camera_start', ['camera_id', 'recorded_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_recordings_office_code'), ['office_code'], unique=False)
        batch_op.create_index('ix_recordings_officer_start', ['officer_id', 'recorded_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_recordings_recorded_start'), ['recorded_start'], unique=False)

    op.create_table('case_links',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('linked_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_case_links_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'recording_id', name=op.f('pk_case_links'))
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_recording_id'), ['recording_id'], unique=False)

    op.create_table('recording_flags',
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raised_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_recording_flags_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_flags')),
    sa.UniqueConstraint('recording_id', 'code', name=op.f('uq_recording_flags_recording_id'))
    )
    with op.batch_alter_table('recording_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_flags_code'), ['code'], unique=False)

    op.create_table('recording_segments',
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('object_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('prev_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['object_id'], ['evidence_objects.id'], name=op.f('fk_recording_segments_object_id_evidence_objects')),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_recording_segments_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', 'index', name=op.f('pk_recording_segments'))
    )
    with op.batch_alter_table('recording_segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_segments_object_id'), ['object_id'], unique=False)

    op.create_table('recording_tags',
    sa.Column('recording_id', sa.Uuid(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.Column('added_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_recording_tags_recording_id_recordings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recording_id', 'tag', name=op.f('pk_recording_tags'))
    )
    with op.batch_alter_table('recording_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_tags_tag'), ['tag'], unique=False)

    op.create_table('upload_sessions',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('length', sa.BigInteger(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recording_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_upload_sessions_account_id_accounts')),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_upload_sessions_recording_id_recordings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_sessions'))
    )
    with op.batch_alter_table('upload_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_upload_sessions_account_status', ['account_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_sessions_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_sessions_status'), ['status'], unique=False)

    op.create_table('quarantine_items',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('upload_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('recording_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], name=op.f('fk_quarantine_items_recording_id_recordings')),
    sa.ForeignKeyConstraint(['upload_id'], ['upload_sessions.id'], name=op.f('fk_quarantine_items_upload_id_upload_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_items'))
    )
    with op.batch_alter_table('quarantine_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_items_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantine_items_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_quarantine_items_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantine_items_upload_id'), ['upload_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarantine_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_items_upload_id'))
        batch_op.drop_index('ix_quarantine_items_status_created')
        batch_op.drop_index(batch_op.f('ix_quarantine_items_sha256'))
        batch_op.drop_index(batch_op.f('ix_quarantine_items_code'))

    op.drop_table('quarantine_items')
    with op.batch_alter_table('upload_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_sessions_status'))
        batch_op.drop_index(batch_op.f('ix_upload_sessions_sha256'))
        batch_op.drop_index('ix_upload_sessions_account_status')

    op.drop_table('upload_sessions')
    with op.batch_alter_table('recording_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recording_tags_tag'))

    op.drop_table('recording_tags')
    with op.batch_alter_table('recording_segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recording_segments_object_id'))

    op.drop_table('recording_segments')
    with op.batch_alter_table('recording_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recording_flags_code'))

    op.drop_table('recording_flags')
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_links_recording_id'))

    op.drop_table('case_links')
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recordings_recorded_start'))
        batch_op.drop_index('ix_recordings_officer_start')
        batch_op.drop_index(batch_op.f('ix_recordings_office_code'))
        batch_op.drop_index('ix_recordings_camera_start')

    op.drop_table('recordings')
    op.drop_table('evidence_objects')
    op.drop_table('evidence_categories')
    op.drop_table('cases')
