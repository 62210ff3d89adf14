"""Crash leftovers: temporary files that nothing will come back for.

A process killed mid-write leaves its temporary bytes where they were being
written: ``kill -9`` of ``bwc ingest`` once left 5.37 GB of ``.part`` files in
``objects/.tmp``. None of it is evidence (nothing vouched for the bytes, and
the write that made them is gone), so, unlike an orphaned object, it is not
held for a person's decision: the orphan sweep removes what is older than its
grace period, one ledger entry each, and counts it in its report. Three kinds:

* ``store``: the object store's staging files (filesystem ``.tmp/*``; S3
  ``tmp/*`` objects and unfinished multipart uploads anywhere under the prefix);
* ``upload``: tus staging files (``$BWC_DATA_DIR/uploads/<id>.part``) whose upload
  no longer exists or is finished with (claimed, terminated, expired);
* ``job``: a job's scratch directory (``$BWC_DATA_DIR/work/jobs/<id>``) when the
  job is not running (its worker was killed, and the job was not retried there).

Anything younger than the grace period may belong to a write still going on,
and is only counted. Each removal re-checks the file's age right before it.
Removing needs the same grace period as deleting an orphan (at least an hour).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.models import UploadSession
from openbwc.jobs.models import Job, JobStatus
from openbwc.kit.time import isoformat
from openbwc.settings import Settings
from openbwc.storage import ObjectStore, staging
from openbwc.storage.base import Temporary

REMOVE_ACTION = "evidence:temporary:delete"
# An upload in one of these states will never write to or read from its staging file again.
FINISHED_UPLOADS = ("claimed", "terminated", "expired")
_STAGING_NAME = re.compile(r"([0-9a-f]{32})\.part")
BATCH = 500


@dataclass(frozen=True)
class Leftover:
    kind: str  # store | upload | job
    name: str
    size: int
    modified: datetime
    temp: Temporary | None = None  # kind "store": what the store needs to remove it
    path: Path | None = None  # kinds "upload" and "job"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "size": self.size, "modified": isoformat(self.modified)}


@dataclass
class Scratch:
    """Where this server keeps temporary files outside the store."""

    uploads: Path
    jobs: Path

    @classmethod
    def of(cls, settings: Settings) -> Scratch:
        # The same places evidence.uploads.staging_dir and the job runtime's work directories use.
        data = settings.resolved_data_dir
        return cls(uploads=data / "uploads", jobs=settings.resolved_work_dir / "jobs")


def _mtime(path: Path) -> datetime:
    st = path.stat()
    return datetime.fromtimestamp(max(st.st_mtime, st.st_ctime), UTC)


def _tree(path: Path) -> tuple[int, datetime]:
    """Bytes under a directory and the last time anything in it changed."""
    size, newest = 0, _mtime(path)
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                f = Path(root) / name
                size += f.stat().st_size
                newest = max(newest, _mtime(f))
    return size, newest


def store_leftovers(store: ObjectStore) -> Iterator[Leftover]:
    for temp in store.iter_temporaries():
        yield Leftover("store", temp.name, temp.size, temp.modified, temp=temp)


def upload_leftovers(session: Session, directory: Path) -> Iterator[Leftover]:
    """Staging files of uploads that are gone or finished with (looked up ``BATCH`` at a time)."""
    if not directory.is_dir():
        return
    batch: list[tuple[uuid.UUID, Path]] = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        match = _STAGING_NAME.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False):
            batch.append((uuid.UUID(match.group(1)), Path(entry.path)))
        if len(batch) >= BATCH:
            yield from _finished_uploads(session, batch)
            batch = []
    yield from _finished_uploads(session, batch)


def _finished_uploads(session: Session, batch: list[tuple[uuid.UUID, Path]]) -> Iterator[Leftover]:
    if not batch:
        return
    live = set(
        session.scalars(
            select(UploadSession.id).where(
                UploadSession.id.in_([uid for uid, _ in batch]), UploadSession.status.not_in(FINISHED_UPLOADS)
            )
        )
    )
    for uid, path in batch:
        if uid in live:
            continue
        with contextlib.suppress(FileNotFoundError):
            st = path.stat()
            yield Leftover("upload", f"uploads/{path.name}", st.st_size, _mtime(path), path=path)


def job_leftovers(session: Session, directory: Path) -> Iterator[Leftover]:
    """Scratch directories of jobs that are not running."""
    if not directory.is_dir():
        return
    dirs: dict[uuid.UUID, Path] = {}
    for entry in os.scandir(directory):
        with contextlib.suppress(ValueError):
            if entry.is_dir(follow_symlinks=False):
                dirs[uuid.UUID(entry.name)] = Path(entry.path)
    running: set[uuid.UUID] = set()
    if dirs:
        running = set(session.scalars(select(Job.id).where(Job.id.in_(list(dirs)), Job.status == JobStatus.RUNNING)))
    for jid in sorted(dirs):
        if jid in running:
            continue
        with contextlib.suppress(FileNotFoundError):
            size, modified = _tree(dirs[jid])
            yield Leftover("job", f"work/jobs/{jid}", size, modified, path=dirs[jid])


def find(session: Session, store: ObjectStore, scratch: Scratch | None) -> Iterator[Leftover]:
    """Every leftover, young or old (the caller decides by age)."""
    yield from store_leftovers(store)
    if scratch is not None:
        yield from upload_leftovers(session, scratch.uploads)
        yield from job_leftovers(session, scratch.jobs)


def remove(session: Session, store: ObjectStore, actor: Actor, leftover: Leftover, cutoff: datetime, note: str) -> bool:
    """Remove ``leftover`` if it is still untouched since ``cutoff``, then ledger it; True if removed.

    Removed first, ledgered after (and committed at once): the entry then says only what
    happened. The bytes are not evidence, so a crash in between loses no evidence, only
    the note that a temporary file went.
    """
    if leftover.kind == "store":
        assert leftover.temp is not None
        if not store.remove_temporary(leftover.temp, cutoff):
            return False
    else:
        assert leftover.path is not None
        if not _still_old(leftover, cutoff):
            return False
        if leftover.kind == "job":
            shutil.rmtree(leftover.path, ignore_errors=True)
        else:
            staging.remove(leftover.path)  # the staging file and its wrapped key
    custody.record(
        session,
        actor=actor,
        action=REMOVE_ACTION,
        object_type="temporary",
        object_id=leftover.name,
        reason=note,
        details=leftover.to_dict(),
    )
    session.commit()
    return True


def _still_old(leftover: Leftover, cutoff: datetime) -> bool:
    assert leftover.path is not None
    try:
        _size, modified = _tree(leftover.path) if leftover.kind == "job" else (0, _mtime(leftover.path))
    except FileNotFoundError:
        return False
    return modified <= cutoff
