"""media and jobs: the job table, renditions, face tracks, redactions, derived items, transcripts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbwc.db.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_after", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_jobs_idempotency_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_jobs_status_run_after", ["status", "run_after"], unique=False)

    op.create_table(
        "media_face_analyses",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("detector", sa.String(length=60), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("tracks", sa.JSON(), nullable=False),
        sa.Column("created_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_media_face_analyses_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_face_analyses")),
        sa.UniqueConstraint("recording_id", "detector", name=op.f("uq_media_face_analyses_recording_id")),
    )
    with op.batch_alter_table("media_face_analyses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_face_analyses_recording_id"), ["recording_id"], unique=False)

    op.create_table(
        "media_redactions",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("faces", sa.Boolean(), nullable=False),
        sa.Column("style", sa.String(length=10), nullable=False),
        sa.Column("exemption", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("keep_tracks", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_media_redactions_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_media_redactions_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_redactions")),
    )
    with op.batch_alter_table("media_redactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_redactions_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_redactions_recording_id"), ["recording_id"], unique=False)

    op.create_table(
        "media_renditions",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("time_s", sa.Float(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=60), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_media_renditions_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_renditions")),
        sa.UniqueConstraint("recording_id", "kind", "position", name=op.f("uq_media_renditions_recording_id")),
    )
    with op.batch_alter_table("media_renditions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_renditions_recording_id"), ["recording_id"], unique=False)

    op.create_table(
        "media_transcripts",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("created_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_media_transcripts_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_transcripts")),
        sa.UniqueConstraint("recording_id", "model", name=op.f("uq_media_transcripts_recording_id")),
    )
    with op.batch_alter_table("media_transcripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_transcripts_recording_id"), ["recording_id"], unique=False)

    op.create_table(
        "media_derived_items",
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("redaction_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", openbwc.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_media_derived_items_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["object_id"], ["evidence_objects.id"], name=op.f("fk_media_derived_items_object_id_evidence_objects")
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_media_derived_items_recording_id_recordings")
        ),
        sa.ForeignKeyConstraint(
            ["redaction_id"], ["media_redactions.id"], name=op.f("fk_media_derived_items_redaction_id_media_redactions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_derived_items")),
        sa.UniqueConstraint("redaction_id", name=op.f("uq_media_derived_items_redaction_id")),
    )
    with op.batch_alter_table("media_derived_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_derived_items_object_id"), ["object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_derived_items_recording_id"), ["recording_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_derived_items_sha256"), ["sha256"], unique=False)

    op.create_table(
        "media_redaction_audio",
        sa.Column("redaction_id", sa.Uuid(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["redaction_id"],
            ["media_redactions.id"],
            name=op.f("fk_media_redaction_audio_redaction_id_media_redactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_redaction_audio")),
    )
    with op.batch_alter_table("media_redaction_audio", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_redaction_audio_redaction_id"), ["redaction_id"], unique=False)

    op.create_table(
        "media_redaction_boxes",
        sa.Column("redaction_id", sa.Uuid(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("w", sa.Float(), nullable=False),
        sa.Column("h", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["redaction_id"],
            ["media_redactions.id"],
            name=op.f("fk_media_redaction_boxes_redaction_id_media_redactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_redaction_boxes")),
    )
    with op.batch_alter_table("media_redaction_boxes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_redaction_boxes_redaction_id"), ["redaction_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media_redaction_boxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_redaction_boxes_redaction_id"))

    op.drop_table("media_redaction_boxes")
    with op.batch_alter_table("media_redaction_audio", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_redaction_audio_redaction_id"))

    op.drop_table("media_redaction_audio")
    with op.batch_alter_table("media_derived_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_derived_items_sha256"))
        batch_op.drop_index(batch_op.f("ix_media_derived_items_recording_id"))
        batch_op.drop_index(batch_op.f("ix_media_derived_items_object_id"))

    op.drop_table("media_derived_items")
    with op.batch_alter_table("media_transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_transcripts_recording_id"))

    op.drop_table("media_transcripts")
    with op.batch_alter_table("media_renditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_renditions_recording_id"))

    op.drop_table("media_renditions")
    with op.batch_alter_table("media_redactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_redactions_recording_id"))
        batch_op.drop_index(batch_op.f("ix_media_redactions_job_id"))

    op.drop_table("media_redactions")
    with op.batch_alter_table("media_face_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_face_analyses_recording_id"))

    op.drop_table("media_face_analyses")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status_run_after")
        batch_op.drop_index(batch_op.f("ix_jobs_kind"))

    op.drop_table("jobs")
