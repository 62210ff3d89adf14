"""job_recordings: the recordings each job is about, so a job is shown with its recordings' row scope

Existing jobs are filled in from their arguments (a recording id, a list of them,
or a redaction's recording), so the jobs of sealed footage are hidden at once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_recordings",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_recordings_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "recording_id", name=op.f("pk_job_recordings")),
    )
    with op.batch_alter_table("job_recordings", schema=None) as batch_op:
        batch_op.create_index("ix_job_recordings_recording_id", ["recording_id"], unique=False)
    _backfill()


def _ids(value: object) -> list[uuid.UUID]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        try:
            out.append(uuid.UUID(str(v)))
        except ValueError:
            continue
    return out


def _backfill() -> None:
    bind = op.get_bind()
    jobs = sa.table("jobs", sa.column("id", sa.Uuid()), sa.column("args", sa.JSON()))
    redactions = sa.table("media_redactions", sa.column("id", sa.Uuid()), sa.column("recording_id", sa.Uuid()))
    links = sa.table("job_recordings", sa.column("job_id", sa.Uuid()), sa.column("recording_id", sa.Uuid()))
    owner = dict(bind.execute(sa.select(redactions.c.id, redactions.c.recording_id)).all())
    rows = []
    for job_id, args in bind.execute(sa.select(jobs.c.id, jobs.c.args)):
        if isinstance(args, str):  # a driver that hands JSON back as text
            args = json.loads(args)
        args = args or {}
        about = set(_ids(args.get("recording_id"))) | set(_ids(args.get("recording_ids") or []))
        about |= {owner[r] for r in _ids(args.get("redaction_id")) if r in owner}
        rows += [{"job_id": job_id, "recording_id": rid} for rid in sorted(about)]
    if rows:
        op.bulk_insert(links, rows)


def downgrade() -> None:
    with op.batch_alter_table("job_recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_job_recordings_recording_id")
    op.drop_table("job_recordings")
