"""Objects as files: ``<root>/sha256/<2 hex>/<2 hex>/<64 hex>``.

Temporary objects live in ``<root>/.tmp`` so publishing is a ``link`` (or
``rename``) within one filesystem: atomic, and never half-visible. Published
files are made read-only; the directory entry is fsynced too, so a crash after
publishing cannot lose the name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from openbwc.storage import direct
from openbwc.storage.base import (
    CHUNK,
    WRITEBACK_EVERY,
    DestroyResult,
    ListedObject,
    ObjectMissing,
    Progress,
    Staged,
    StoredObject,
    Temporary,
    VerifyResult,
    copy_into,
    key_for,
    sha256_of_key,
    start_writeback,
)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStaged(Staged):
    # copy_into hands this class page-aligned buffers: whole blocks go out with O_DIRECT.
    aligned_buffers = True

    def __init__(self, store: FilesystemStore) -> None:
        super().__init__()
        self.store = store
        self.path = store.tmp_dir / f"{uuid.uuid4().hex}.part"
        # Unbuffered: every write goes straight from our buffer to the kernel, no extra copy.
        self._fh: BinaryIO | None = open(self.path, "xb", buffering=0)  # noqa: SIM115
        self._published = False
        self._written = 0
        self._flushed = 0
        self._direct = direct.open_direct(self.path)

    def write_raw(self, data: memoryview | bytes) -> None:
        """Write at the end of the temporary file.

        Whole blocks of a page-aligned buffer at a block-aligned offset go to the disk
        with O_DIRECT, skipping the copy into the page cache (as costly as the hash on a
        small machine) and the writeback at the end; anything else (an unaligned tail, a
        plain buffer, a file system that refuses O_DIRECT) goes through the page cache.
        The fsync in ``finish`` covers both.
        """
        assert self._fh is not None
        view = memoryview(data).cast("B")
        total = len(view)
        pos = self._written
        if self._direct is not None and pos % direct.DIRECT_ALIGN == 0 and direct.page_aligned(view):
            done, usable = direct.write_blocks(self._direct, view, pos)
            if not usable:
                self._close_direct()
            if done:
                if self._flushed == pos:
                    self._flushed += done  # already on the disk: nothing to write back
                view = view[done:]
                pos += done
        fd = self._fh.fileno()
        while view:
            n = os.pwrite(fd, view, pos)
            view = view[n:]
            pos += n
        self._written += total
        if self._written - self._flushed >= WRITEBACK_EVERY:
            start_writeback(fd, self._flushed, self._written - self._flushed)
            self._flushed = self._written

    def _close_direct(self) -> None:
        direct.close_direct(self._direct)
        self._direct = None

    def _finish(self) -> None:
        assert self._fh is not None
        self._close_direct()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None

    def reader(self) -> BinaryIO:
        self.finish()
        return open(self.path, "rb")  # noqa: SIM115

    def publish(self) -> StoredObject:
        self.finish()
        result = self.store._publish_path(self.path, self.sha256, self.size)
        self._published = True
        return result

    def abort(self) -> None:
        self._close_direct()
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class FilesystemStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.url = f"file://{self.root}"
        self.tmp_dir = self.root / ".tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"bad object key {key!r}")
        return self.root / key

    def stage(self) -> FileStaged:
        return FileStaged(self)

    def put_stream(
        self, source: BinaryIO, *, max_bytes: int | None = None, progress: Progress | None = None
    ) -> StoredObject:
        with self.stage() as staged:
            copy_into(staged, source, max_bytes=max_bytes, progress=progress)
            return staged.publish()

    def _publish_path(self, path: Path, sha256: str, size: int) -> StoredObject:
        """Give ``path`` (fsynced, on this filesystem) its content address; the temp name goes away."""
        key = key_for(sha256)
        final = self.path_of(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o444)
        try:
            # link, not rename: it fails if the name exists, so an existing object is never replaced.
            os.link(path, final)
            created = True
        except FileExistsError:
            created = False
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        if created:
            _fsync_dir(final.parent)
        return StoredObject(key=key, sha256=sha256, size=size, created=created)

    def adopt_file(self, path: str, sha256: str, size: int) -> StoredObject:
        """Publish a completed upload: a hard link when it is on this filesystem, else a copy.

        The caller computed ``sha256`` while receiving the bytes and fsynced them,
        so a link trusts that computation; a copy rehashes on the way (it reads anyway).
        """
        src = Path(path)
        tmp = self.tmp_dir / f"{uuid.uuid4().hex}.adopt"
        try:
            os.link(src, tmp)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            with open(src, "rb") as fh:
                stored = self.put_stream(fh)
            if stored.sha256 != sha256 or stored.size != size:
                raise ObjectMissing(f"{path} changed while it was being stored", code="STAGING_CHANGED")
            return stored
        return self._publish_path(tmp, sha256, size)

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        try:
            fh = open(self.path_of(key), "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise ObjectMissing(f"object {key} is missing from the store", detail={"key": key})
        fh.seek(start)
        if end is None:
            return fh
        return _Limited(fh, end - start)

    def open_reader(self, key: str) -> BinaryIO:
        return self.open_range(key)

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def size(self, key: str) -> int | None:
        try:
            return self.path_of(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        path = self.path_of(key)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def iter_objects(self) -> Iterator[ListedObject]:
        """Walk the tree in key order, one directory at a time.

        Names starting with a dot are skipped: ``.tmp`` holds the staging files
        (``<uuid>.part``), which are not objects until published.
        """
        yield from self._walk(self.root, "")

    def _walk(self, directory: Path, prefix: str) -> Iterator[ListedObject]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except FileNotFoundError:  # removed while we walked
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            key = f"{prefix}{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from self._walk(Path(entry.path), f"{key}/")
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    yield ListedObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))
            except FileNotFoundError:
                continue

    def iter_temporaries(self) -> Iterator[Temporary]:
        """The files in ``.tmp``: staging files (``.part``) and links being published (``.adopt``)."""
        try:
            entries = sorted(os.scandir(self.tmp_dir), key=lambda e: e.name)
        except FileNotFoundError:
            return
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    yield Temporary(f".tmp/{entry.name}", st.st_size, _touched(st))
            except FileNotFoundError:
                continue

    def remove_temporary(self, temp: Temporary, older_than: datetime) -> bool:
        name = temp.key.removeprefix(".tmp/")
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"{temp.key!r} is not a temporary of this store")
        path = self.tmp_dir / name
        try:
            if _touched(path.stat()) > older_than:
                return False  # written to again since it was listed: a write is still going on
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def stat(self, key: str) -> ListedObject | None:
        try:
            st = self.path_of(key).stat()
        except FileNotFoundError:
            return None
        return ListedObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    def verify(self, key: str, progress: Progress | None = None) -> VerifyResult:
        expected = sha256_of_key(key)
        try:
            fh = open(self.path_of(key), "rb", buffering=0)  # noqa: SIM115
        except FileNotFoundError:
            return VerifyResult(key, expected, False, None, None)
        h = hashlib.sha256()
        buf = memoryview(bytearray(CHUNK))
        size = 0
        with fh:
            while n := fh.readinto(buf):
                h.update(buf[:n])
                size += n
                if progress is not None:
                    progress(n)
        actual = h.hexdigest()
        return VerifyResult(key, expected, actual == expected, actual, size)

    # -- what encryption at rest keeps beside the objects (storage.encrypted) -------------------
    @property
    def keys_dir(self) -> Path:
        return self.root / ".keys"

    def _record_path(self, name: str) -> Path:
        if not name or not all(c in "0123456789abcdef" for c in name):
            raise ValueError(f"bad key record name {name!r}")
        return self.keys_dir / name[:2] / f"{name}.key"

    def put_record(self, name: str, data: bytes, *, replace_versions: bool = False) -> None:
        """Write a small record (a wrapped data key) durably: temp file, fsync, rename, fsync dir."""
        path = self._record_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def get_record(self, name: str) -> bytes | None:
        try:
            return self._record_path(name).read_bytes()
        except FileNotFoundError:
            return None

    def delete_record(self, name: str) -> bool:
        """Overwrite the record in place with zeros (fsynced), then unlink it.

        Overwriting first means a later look at the freed blocks finds zeros rather
        than the wrapped key (on a plain disk; a copy-on-write file system or an SSD's
        remapping may keep old blocks, which is why the key is wrapped at all).
        """
        path = self._record_path(name)
        try:
            fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return False
        try:
            size = os.fstat(fd).st_size
            os.pwrite(fd, b"\0" * size, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.unlink()
        _fsync_dir(path.parent)
        return True

    def iter_records(self) -> Iterator[str]:
        try:
            groups = sorted(os.scandir(self.keys_dir), key=lambda e: e.name)
        except FileNotFoundError:
            return
        for group in groups:
            if not group.is_dir(follow_symlinks=False):
                continue
            for entry in sorted(os.scandir(group.path), key=lambda e: e.name):
                if entry.name.endswith(".key") and not entry.name.startswith("."):
                    yield entry.name[: -len(".key")]

    def delete_all(self, key: str) -> tuple[bool, str]:
        """Delete an object's bytes (a file has no older versions)."""
        path = self.path_of(key)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            _fsync_dir(path.parent)
        return True, ""

    def set_retention(self, key: str, until: datetime) -> bool:
        """A filesystem has no Object Lock: nothing is set."""
        return False

    def destroy(self, key: str) -> DestroyResult:
        """Without encryption there is no key to shred: the bytes are deleted."""
        existed = self.exists(key)
        self.delete_all(key)
        return DestroyResult(key, existed, encrypted=False, key_destroyed=False, ciphertext_deleted=True)

    def replace_object(self, staged: FileStaged, key: str) -> None:
        """Put finished staged bytes in place of an existing object (rewriting it sealed)."""
        staged.finish()
        final = self.path_of(key)
        os.chmod(staged.path, 0o444)
        os.replace(staged.path, final)
        staged._published = True
        _fsync_dir(final.parent)


def _touched(st: os.stat_result) -> datetime:
    # ctime too: a hard link made to publish a finished upload (".adopt") keeps the
    # upload's old mtime, but linking it changed its ctime just now.
    return datetime.fromtimestamp(max(st.st_mtime, st.st_ctime), UTC)


class _Limited:
    """A read-only view of the next ``remaining`` bytes of a file."""

    def __init__(self, fh: BinaryIO, remaining: int) -> None:
        self._fh = fh
        self._remaining = max(0, remaining)

    def read(self, n: int = -1) -> bytes:
        if n < 0 or n > self._remaining:
            n = self._remaining
        data = self._fh.read(n)
        self._remaining -= len(data)
        return data

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        view = memoryview(buf)[: self._remaining]
        n = self._fh.readinto(view)  # type: ignore[attr-defined]
        self._remaining -= n or 0
        return n or 0

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> _Limited:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
