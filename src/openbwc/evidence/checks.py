"""Checks on each incoming file, and quarantine for the files that fail them.

:func:`check_file` runs the checks in order (a safe name, not empty, the size
and SHA-256 the manifest promised, a video PyAV can read to its end);
:func:`hold_in_quarantine` publishes a failing file's bytes and holds them for a
custodian with the reason; :class:`Quarantined` is the error an ingest raises then.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence import repository as repo
from openbwc.evidence.incoming import Context, Incoming
from openbwc.evidence.models import QuarantineItem, QuarantineStatus, UploadStatus
from openbwc.evidence.probe import ProbeFailed, probe
from openbwc.kit.errors import DomainError
from openbwc.storage import ObjectStore

MAX_NAME = 255


class Quarantined(DomainError):
    """One or more files failed their checks and are held in quarantine.

    ``keep_changes``: the quarantine items and their ledger entries are committed
    even though the ingest as a whole is refused.
    """

    status = 422

    def __init__(self, items: list[QuarantineItem]) -> None:
        first = items[0]
        more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
        super().__init__(
            f"{first.name}: {first.reason}{more}; held in quarantine as {first.id} for a custodian "
            "(`bwc quarantine list`); nothing was added as evidence",
            code=first.code,
            detail={
                "quarantined": [
                    {"id": str(i.id), "name": i.name, "code": i.code, "reason": i.reason, "sha256": i.sha256}
                    for i in items
                ]
            },
            keep_changes=True,
        )
        self.items = items


def name_problem(name: str) -> str | None:
    """Why a file name is unsafe to keep and to write back out on export, or None."""
    if not name:
        return "the file has no name"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    if "/" in name or "\\" in name:
        return "the name contains a path separator"
    if name in (".", "..") or name.startswith("."):
        return "the name is hidden or relative (starts with a dot)"
    if name.strip() != name:
        return "the name starts or ends with white space"
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"the name contains the control or invisible character U+{ord(ch):04X}"
    return None


def printable(name: str) -> str:
    """A name safe to show and store: control characters escaped, length bounded."""
    out = "".join(ch if unicodedata.category(ch)[0] != "C" else f"\\u{ord(ch):04x}" for ch in name)
    return out[:300] or "(no name)"


# --- checks -----------------------------------------------------------------------------


def check_file(session: Session, inc: Incoming) -> None:
    """Set ``inc.problem`` (code, reason) for the first check that fails, or probe info."""
    if inc.problem or inc.quarantined:
        return
    why = name_problem(inc.name)
    if why:
        inc.problem = ("UNSAFE_NAME", f"unsafe file name {printable(inc.name)!r}: {why}")
        return
    if inc.size == 0:
        inc.problem = ("EMPTY_FILE", "the file is empty (0 bytes)")
        return
    entry = inc.entry
    if entry is not None:
        if inc.size < entry.size:
            inc.problem = ("TRUNCATED", f"{inc.size} bytes arrived but the manifest says {entry.size}")
            return
        if inc.size != entry.size or inc.sha256 != entry.sha256:
            inc.problem = (
                "CHECKSUM_MISMATCH",
                f"the file's SHA-256 is {inc.sha256} ({inc.size} bytes) but the manifest says "
                f"{entry.sha256} ({entry.size} bytes)",
            )
            return
    assert inc.sha256 is not None
    inc.existing = repo.object_by_sha256(session, inc.sha256)
    if inc.existing is not None and inc.existing.destroyed_at is not None:
        inc.existing = None  # its bytes were destroyed by a disposition: these are stored anew
    if inc.existing is not None:
        return  # the same bytes passed these checks when they first arrived
    try:
        local = inc.local_path()
        if local is not None:
            inc.info = probe(str(local), inc.size)
        else:
            with inc.reader() as reader:
                inc.info = probe(reader, inc.size)
    except ProbeFailed as exc:
        inc.problem = (exc.code, exc.message)


def hold_in_quarantine(
    session: Session, store: ObjectStore, actor: Actor, ctx: Context, inc: Incoming
) -> QuarantineItem:
    assert inc.problem is not None
    code, reason = inc.problem
    key = inc.publish(store).key if inc.has_bytes else None
    file_context: dict[str, Any] = {"name": printable(inc.name)}
    if inc.entry is not None:
        file_context.update(
            {"manifest_sha256": inc.entry.sha256, "manifest_size": inc.entry.size, "index": inc.entry.index}
        )
    item = QuarantineItem(
        name=printable(inc.name),
        sha256=inc.sha256,
        size=inc.size,
        storage_key=key,
        code=code,
        reason=reason,
        source=ctx.source,
        context={**ctx.describe(), "file": file_context},
        upload_id=inc.upload.id if inc.upload else None,
        status=QuarantineStatus.HELD,
        created_by=actor.id,
    )
    session.add(item)
    session.flush()
    if inc.upload is not None:
        inc.upload.status = UploadStatus.QUARANTINED
    custody.record(
        session,
        actor=actor,
        action="evidence:quarantine:hold",
        object_type="quarantine",
        object_id=str(item.id),
        evidence_sha256=inc.sha256,
        reason=code,
        details={"name": item.name, "size": inc.size, "code": code, "reason": reason, "source": ctx.source},
    )
    return item
