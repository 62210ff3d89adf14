"""Releases: prepared by one person, approved by another, then a package anyone can verify.

A release names redacted copies (derived items, REL-5: the original is never
handed out) of recordings linked to the request. At approval the release's
*document* is fixed: every file's name, SHA-256 and size, its original's SHA-256
and its redaction log, and the SHA-256 of the instructions. The document's own
SHA-256 goes into the approval's ledger entry, so the ledger vouches for every
byte the requester will receive.

The package (a zip) holds the files, ``VERIFY.txt`` and ``manifest.json``: the
document, the prepare and approve ledger entries with their RFC 6962 inclusion
proofs, and the signed tree head they lead to. ``tools/verify_custody.py
--package`` checks it with the standard library and ``cryptography`` alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor, heads, proofs
from openbwc.custody import repository as ledger_repo
from openbwc.custody import service as ledger_service
from openbwc.custody.keys import key_id, public_key_pem
from openbwc.db.session import settings_of
from openbwc.evidence import repository as evidence_repo
from openbwc.evidence.models import EvidenceObject
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, IntegrityFailure, NotFound, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.media import repository as media_repo
from openbwc.media import service as media_service
from openbwc.requests import repository as repo
from openbwc.requests import service
from openbwc.requests.models import (
    IDENTITY_CHECKED,
    PENDING,
    AccessRequest,
    Release,
    ReleaseItem,
    ReleaseStatus,
    RequestStatus,
)
from openbwc.settings import get_settings
from openbwc.storage import open_store

FORMAT = "openbwc-release-v1"
PACKAGE_FORMAT = "openbwc-release-package-v1"
MANIFEST = "manifest.json"
INSTRUCTIONS = "VERIFY.txt"
# Entries of a release the package proves (not downloads or refusals).
PROVEN_ACTIONS = ("requests:release:prepare", "requests:release:approve")
CHUNK = 4 * 1024 * 1024
MAX_ITEMS = 100


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes the document's SHA-256 is taken over (sorted keys, no spaces, ASCII)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """manifest.json exactly as written: the verifier rewrites it the same way and compares bytes."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def release_not_found(release_id: object) -> NotFound:
    return NotFound(f"no release {str(release_id)[:64]}", code="RELEASE_NOT_FOUND",
                    detail={"release": str(release_id)[:64]})


def get_release(session: Session, release_id: str | uuid.UUID, *, for_update: bool = False) -> Release:
    try:
        rid = release_id if isinstance(release_id, uuid.UUID) else uuid.UUID(str(release_id).strip())
    except ValueError:
        raise release_not_found(release_id)
    rel = repo.release(session, rid, for_update=for_update)
    if rel is None:
        raise release_not_found(rid)
    return rel


def request_of(session: Session, rel: Release) -> AccessRequest:
    req = session.get(AccessRequest, rel.request_id)
    assert req is not None  # a release belongs to a request (foreign key, cascade)
    return req


def _ledger(
    session: Session, actor: Actor, action: str, rel: Release, req: AccessRequest, *, outcome: str = "success",
    reason: str | None = None, **details: Any,
) -> None:
    custody.record(
        session, actor=actor, action=action, object_type="release", object_id=str(rel.id), outcome=outcome,
        reason=reason, details={"request": req.code, **details},
    )


@dataclass(frozen=True)
class ItemIn:
    recording_id: str
    derived_id: str


def prepare(
    session: Session, actor: Actor, viewer: Viewer, code: str, items: Sequence[ItemIn], note: str | None = None
) -> Release:
    """The first person's step: the redacted copies to release. Nothing reaches the requester yet."""
    req = service.get_request(session, code, for_update=True)
    if req.status == RequestStatus.RECEIVED:
        raise Conflict(f"request {req.code} has not been taken in yet: do its intake first", code="INTAKE_REQUIRED")
    if req.status not in (*PENDING, RequestStatus.RELEASED):
        raise Conflict(f"request {req.code} is {req.status}: nothing more is released", code="REQUEST_NOT_OPEN")
    if not items:
        raise ValidationFailed("a release names at least one redacted copy", code="NO_ITEMS")
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"at most {MAX_ITEMS} items in one release", code="TOO_MANY_ITEMS")
    rows: list[ReleaseItem] = []
    seen: set[uuid.UUID] = set()
    for n, item in enumerate(items):
        rec = get_recording(session, media_service.parse_recording_id(item.recording_id), viewer,
                            via=f"release for {req.code}")
        if not repo.linked(session, req.id, rec.id):
            raise Conflict(
                f"recording {rec.id} is not linked to request {req.code}: link it first (that also holds it)",
                code="RECORDING_NOT_LINKED",
                detail={"recording_id": str(rec.id)},
            )
        derived = media_service.get_derived(session, item.derived_id, viewer, via=f"release for {req.code}")
        if derived.recording_id != rec.id:
            raise ValidationFailed(
                f"derived item {derived.id} is not a copy of recording {rec.id}",
                code="DERIVED_NOT_OF_RECORDING",
                detail={"derived_id": str(derived.id), "recording_id": str(rec.id)},
            )
        if derived.id in seen:
            continue
        seen.add(derived.id)
        obj = session.get(EvidenceObject, derived.object_id)
        assert obj is not None
        original = (derived.log or {}).get("original", {}).get("sha256") or evidence_repo.first_segment_sha256(
            session, rec.id
        )
        rows.append(ReleaseItem(
            position=n, recording_id=rec.id, derived_id=derived.id, file_name=f"files/{derived.id}.mp4",
            sha256=derived.sha256, size=obj.size, original_sha256=original,
        ))
    rel = Release(
        request_id=req.id, status=ReleaseStatus.PREPARED, note=service.text(note, "a note", "INVALID_NOTE",
        required=False, lines=True), prepared_at=utcnow(), prepared_by=actor.id, prepared_by_name=actor.name,
    )
    session.add(rel)
    session.flush()
    for row in rows:
        row.release_id = rel.id
        session.add(row)
    session.flush()
    _ledger(session, actor, "requests:release:prepare", rel, req,
            items=[{"recording": str(r.recording_id), "derived": str(r.derived_id), "sha256": r.sha256}
                   for r in rows])
    for r in rows:
        custody.record(
            session, actor=actor, action="requests:recording:prepare", object_type="evidence",
            object_id=str(r.recording_id), evidence_sha256=r.sha256,
            details={"request": req.code, "release": str(rel.id), "derived": str(r.derived_id)},
        )
    return rel


def _decidable(session: Session, actor: Actor, rel: Release, req: AccessRequest, doing: str) -> None:
    if rel.status != ReleaseStatus.PREPARED:
        raise Conflict(f"release {rel.id} is {rel.status}: only a prepared release can be {doing}",
                       code="RELEASE_NOT_PREPARED", detail={"status": rel.status})
    if rel.prepared_by == actor.id:
        _ledger(session, actor, "requests:release:refuse", rel, req, outcome="denied", code="TWO_PERSON_REQUIRED")
        raise Conflict(
            "the person who prepared a release cannot also approve or reject it: another person with the "
            "approve permission decides",
            code="TWO_PERSON_REQUIRED",
            keep_changes=True,
        )


def instructions(document: dict[str, Any]) -> str:
    """VERIFY.txt: how to check the package, in plain words (fixed by the document alone)."""
    names = "\n".join(f"  {f['name']}" for f in document["files"])
    return f"""\
Release {document['release']} for request {document['request']}

This package holds the footage released to you, redacted where the law requires,
and the proof that it is exactly what the agency approved:

{names}
  manifest.json   each file's SHA-256, the SHA-256 of the original recording it was
                  made from, its redaction log (what was hidden and why), and the
                  custody-ledger entries that prepared and approved this release,
                  with their inclusion proofs and the agency's signed tree head.

To check it, with Python 3 and the `cryptography` package, using openbwc's
tools/verify_custody.py (it needs nothing else from openbwc):

  python3 verify_custody.py --package THIS_FILE.zip

It says VALID when every file hashes to the SHA-256 that the approval entry in the
ledger vouches for, the entries are in the ledger the signed head commits to, and
the head's signature is the agency's. If one byte of any file changed, it names
the file and says NOT VALID. Compare the key id it prints with the one the agency
publishes at /transparency/ledger: a key shipped inside the package proves
nothing by itself.
"""


def _document(session: Session, rel: Release, req: AccessRequest, approver: Actor, at: Any) -> dict[str, Any]:
    files = []
    for item in repo.items_of(session, rel.id):
        derived = media_repo.derived_item(session, item.derived_id)
        files.append({
            "name": item.file_name, "sha256": item.sha256, "size": item.size,
            "recording_id": str(item.recording_id), "derived_id": str(item.derived_id),
            "original_sha256": item.original_sha256, "redaction_log": derived.log if derived else None,
        })
    doc: dict[str, Any] = {
        "format": FORMAT, "request": req.code, "request_type": req.type, "release": str(rel.id),
        "prepared_by": rel.prepared_by_name, "prepared_at": isoformat(rel.prepared_at),
        "approved_by": approver.name, "approved_at": isoformat(at), "files": files,
    }
    doc["instructions"] = {"name": INSTRUCTIONS, "sha256": hashlib.sha256(instructions(doc).encode()).hexdigest()}
    return doc


def approve(session: Session, actor: Actor, release_id: str | uuid.UUID) -> Release:
    """The second person's step: the release reaches the requester. 409 TWO_PERSON_REQUIRED for its preparer."""
    rel = get_release(session, release_id, for_update=True)
    req = request_of(session, rel)
    _decidable(session, actor, rel, req, "approved")
    if req.type in IDENTITY_CHECKED and not req.identity_verified:
        raise Conflict(
            f"the requester's identity is not checked yet ({req.type} requests need it): record it at intake",
            code="IDENTITY_NOT_VERIFIED",
        )
    if req.status not in (*PENDING, RequestStatus.RELEASED):
        raise Conflict(f"request {req.code} is {req.status}: nothing more is released", code="REQUEST_NOT_OPEN")
    now = utcnow()
    doc = _document(session, rel, req, actor, now)
    rel.status, rel.decided_at, rel.decided_by, rel.decided_by_name = ReleaseStatus.APPROVED, now, actor.id, actor.name
    rel.document, rel.document_sha256 = doc, hashlib.sha256(canonical(doc)).hexdigest()
    if req.status in PENDING:
        req.status = RequestStatus.RELEASED
    if req.released_at is None:
        req.released_at = now
    session.flush()
    _ledger(session, actor, "requests:release:approve", rel, req, document_sha256=rel.document_sha256,
            prepared_by=rel.prepared_by_name,
            files=[{"name": f["name"], "sha256": f["sha256"]} for f in doc["files"]])
    for f in doc["files"]:
        custody.record(
            session, actor=actor, action="requests:recording:release", object_type="evidence",
            object_id=f["recording_id"], evidence_sha256=f["sha256"],
            details={"request": req.code, "release": str(rel.id), "derived": f["derived_id"],
                     "original_sha256": f["original_sha256"]},
        )
    return rel


def reject(session: Session, actor: Actor, release_id: str | uuid.UUID, reason: str) -> Release:
    why = service.text(reason, "the reason for rejecting the release", "REASON_REQUIRED")
    rel = get_release(session, release_id, for_update=True)
    req = request_of(session, rel)
    _decidable(session, actor, rel, req, "rejected")
    rel.status, rel.decided_at, rel.reject_reason = ReleaseStatus.REJECTED, utcnow(), why
    rel.decided_by, rel.decided_by_name = actor.id, actor.name
    session.flush()
    _ledger(session, actor, "requests:release:reject", rel, req, reason=why)
    return rel


def approved_release(session: Session, req: AccessRequest, release_id: str | uuid.UUID) -> Release:
    """An approved release of this request; anything else answers as a missing release."""
    rel = get_release(session, release_id)
    if rel.request_id != req.id or rel.status != ReleaseStatus.APPROVED:
        raise release_not_found(release_id)
    return rel


def _proven(session: Session, rel: Release, head: heads.Head) -> list[dict[str, Any]]:
    out = []
    for entry in ledger_repo.entries_about(session, str(rel.id), below=head.tree_size):
        if entry.object_type != "release" or entry.action not in PROVEN_ACTIONS or entry.outcome != "success":
            continue
        leaf = ledger_repo.stored_bytes(entry.leaf, entry.seq, "content")
        out.append({"seq": entry.seq, "leaf": leaf.decode(), "proof": proofs.prove_against(session, entry.seq,
                                                                                          head).public()})
    return out


def build_package(session: Session, actor: Actor, rel: Release, dest_dir: Path | None = None) -> Path:
    """Write the release's zip to a new temporary file (the caller removes it) and ledger the hand-over.

    Each file is copied from the object store and hashed on the way (INT-1): a
    stored copy that no longer matches its SHA-256 stops the package.
    """
    if rel.status != ReleaseStatus.APPROVED or not rel.document:
        raise release_not_found(rel.id)
    req = request_of(session, rel)
    doc = rel.document
    if hashlib.sha256(canonical(doc)).hexdigest() != rel.document_sha256:
        raise IntegrityFailure(f"release {rel.id}'s stored document no longer matches its ledger entry",
                               code="RELEASE_DOCUMENT_CHANGED")
    head = ledger_service.current_head(session, max_age_s=0)
    public = heads.public_key(get_settings())
    manifest = {
        "format": PACKAGE_FORMAT,
        "release": doc,
        "release_sha256": rel.document_sha256,
        "ledger": {
            "head": head.public(),
            "key_id": key_id(public),
            "public_key_pem": public_key_pem(public).decode(),
            "entries": _proven(session, rel, head),
        },
    }
    store = open_store(settings_of(session))
    stamp = rel.decided_at or utcnow()
    when = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    fd, name = tempfile.mkstemp(prefix="release-", suffix=".zip", dir=dest_dir)
    os.close(fd)
    path = Path(name)
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(zipfile.ZipInfo(INSTRUCTIONS, when), instructions(doc).encode())
            for f in doc["files"]:
                obj = _object(session, f)
                digest = hashlib.sha256()
                with store.open_reader(obj.storage_key) as src, zf.open(zipfile.ZipInfo(f["name"], when), "w",
                                                                        force_zip64=True) as out:
                    while block := src.read(CHUNK):
                        digest.update(block)
                        out.write(block)
                if digest.hexdigest() != f["sha256"]:
                    raise IntegrityFailure(
                        f"the stored copy {f['derived_id']} does not match its SHA-256: nothing was handed out",
                        code="EVIDENCE_HASH_MISMATCH", detail={"derived_id": f["derived_id"]},
                    )
            zf.writestr(zipfile.ZipInfo(MANIFEST, when), manifest_bytes(manifest))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _ledger(session, actor, "requests:package:download", rel, req, head=head.tree_size,
            files=[f["sha256"] for f in doc["files"]])
    for f in doc["files"]:
        custody.record(
            session, actor=actor, action="requests:recording:download", object_type="evidence",
            object_id=f["recording_id"], evidence_sha256=f["sha256"],
            details={"request": req.code, "release": str(rel.id), "derived": f["derived_id"]},
        )
    return path


def _object(session: Session, f: dict[str, Any]) -> EvidenceObject:
    derived = media_repo.derived_item(session, uuid.UUID(f["derived_id"]))
    obj = session.get(EvidenceObject, derived.object_id) if derived else None
    if obj is None:
        raise IntegrityFailure(f"the redacted copy {f['derived_id']} is no longer stored", code="DERIVED_MISSING")
    return obj
