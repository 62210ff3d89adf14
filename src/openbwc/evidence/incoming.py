"""Files on their way in: their bytes hashed into a place nobody sees as evidence yet.

:class:`Incoming` is one such file, staged from disk by :func:`stage_path` (the
command line's way in) or taken over from a finished tus upload by
:func:`from_upload` (a dock's); :class:`Context` is what the files came with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from openbwc.evidence import manifest as mf
from openbwc.evidence.models import EvidenceObject, QuarantineItem, UploadSession
from openbwc.evidence.probe import ProbeInfo
from openbwc.kit.time import isoformat
from openbwc.storage import ObjectMissing, ObjectStore, Staged, StoredObject, copy_into
from openbwc.storage.base import FileTooLarge, Progress
from openbwc.storage.staging import StagingCipher, StagingReader


@dataclass
class Incoming:
    """One file on its way in: its bytes already hashed into a place nobody sees as evidence."""

    name: str
    size: int
    sha256: str | None  # None: never read (over the size limit)
    staged: Staged | None = None
    upload: UploadSession | None = None
    staging_path: Path | None = None
    staging_cipher: StagingCipher | None = None  # the staging file is sealed (AES-CTR)
    entry: mf.ManifestFile | None = None
    problem: tuple[str, str] | None = None
    info: ProbeInfo | None = None
    existing: EvidenceObject | None = None
    quarantined: QuarantineItem | None = None

    def reader(self) -> BinaryIO:
        if self.staged is not None:
            return self.staged.reader()
        assert self.staging_path is not None
        if self.staging_cipher is not None:
            return StagingReader(self.staging_path, self.staging_cipher, self.size)  # type: ignore[return-value]
        return open(self.staging_path, "rb")  # noqa: SIM115

    def local_path(self) -> Path | None:
        """The temporary bytes as a local file, when they are one (filesystem store, tus staging)."""
        if self.staged is not None:
            path = getattr(self.staged, "path", None)
            if path is not None:
                self.staged.finish()
            return path
        return self.staging_path if self.staging_cipher is None else None  # sealed bytes: read through reader()

    @property
    def has_bytes(self) -> bool:
        return self.staged is not None or self.staging_path is not None

    def publish(self, store: ObjectStore) -> StoredObject:
        if self.staged is not None:
            return self.staged.publish()
        assert self.staging_path is not None and self.sha256 is not None
        if self.staging_cipher is None:
            return store.adopt_file(str(self.staging_path), self.sha256, self.size)
        with self.reader() as fh:
            stored = store.put_stream(fh)
        if stored.sha256 != self.sha256 or stored.size != self.size:
            raise ObjectMissing(
                f"the staging file of {self.name!r} changed while it was stored", code="STAGING_CHANGED"
            )
        return stored

    def discard(self) -> None:
        """Throw temporary bytes away (an upload's bytes stay with the upload)."""
        if self.staged is not None:
            self.staged.abort()


@dataclass
class Context:
    """What the files came with: a manifest (dock, or ``--manifest``), or operator options."""

    source: str  # dock | cli
    manifest: mf.Manifest | None = None
    camera_serial: str | None = None
    officer_badge: str | None = None
    recorded_start: datetime | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "camera_serial": self.manifest.camera_serial if self.manifest else self.camera_serial,
            "officer_badge": self.manifest.officer_badge if self.manifest else self.officer_badge,
            "recorded_start": isoformat(self.manifest.recorded_start if self.manifest else self.recorded_start),
            "manifest": self.manifest.raw if self.manifest else None,
        }


# --- staging ----------------------------------------------------------------------------


def stage_path(
    store: ObjectStore, path: Path, *, max_bytes: int, progress: Progress | None = None, name: str | None = None
) -> Incoming:
    """Hash a file on disk into a temporary object in one pass (the CLI's way in)."""
    size = path.stat().st_size
    display = name if name is not None else path.name
    if size > max_bytes:
        return Incoming(
            name=display,
            size=size,
            sha256=None,
            problem=(
                "FILE_TOO_LARGE",
                f"the file has {size} bytes, over the limit of {max_bytes} (BWC_MAX_UPLOAD_BYTES)",
            ),
        )
    staged = store.stage()
    try:
        with open(path, "rb", buffering=0) as fh:
            copy_into(staged, fh, max_bytes=max_bytes, progress=progress)
        staged.finish()
    except FileTooLarge as exc:  # it grew while we read it
        staged.abort()
        return Incoming(name=display, size=size, sha256=None, problem=(exc.code, exc.message))
    except BaseException:
        staged.abort()
        raise
    return Incoming(name=display, size=staged.size, sha256=staged.sha256, staged=staged)


def from_upload(upload: UploadSession, staging_path: Path, cipher: StagingCipher | None = None) -> Incoming:
    return Incoming(
        staging_cipher=cipher,
        name=upload.filename or "",
        size=upload.offset,
        sha256=upload.sha256,
        upload=upload,
        staging_path=staging_path,
    )
