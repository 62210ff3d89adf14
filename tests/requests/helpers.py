"""Builders for request tests: recordings with a redacted copy whose bytes are in the object store."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.media.models import DerivedItem, Redaction, RedactionStatus
from openbwc.settings import get_settings
from openbwc.storage import open_store
from tests.compliance.helpers import T0, officer, recording, s

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "tools" / "verify_custody.py"

SUBMISSION: dict[str, Any] = {
    "type": "person_recorded",
    "requester": {"name": "Dana Quill", "email": "dana@example.org", "phone": "555-0100"},
    "description": "I was stopped outside the Baltimore office and want the footage of it.",
    "occurred_from": "2024-03-04T13:00:00Z",
    "occurred_to": "2024-03-04T16:00:00Z",
    "location": "Baltimore",
}


def redacted_copy(db: Session, rec: Recording, data: bytes | None = None) -> DerivedItem:
    """A derived (redacted) item of ``rec`` whose bytes are stored, as the redaction job leaves it."""
    payload = data if data is not None else b"redacted video " + os.urandom(4096)
    stored = open_store(get_settings()).put_stream(io.BytesIO(payload))
    obj = db.query(EvidenceObject).filter_by(sha256=stored.sha256).one_or_none()
    if obj is None:
        obj = EvidenceObject(sha256=stored.sha256, size=stored.size, storage_key=stored.key, container="mp4")
        db.add(obj)
    red = Redaction(recording_id=rec.id, status=RedactionStatus.RENDERED, exemption="7(C)",
                    reason="third parties' faces", created_by="test", created_by_name="test suite")
    db.add(red)
    db.flush()
    original = hashlib.sha256(b"original " + str(rec.id).encode()).hexdigest()
    log = {
        "original": {"recording_id": str(rec.id), "sha256": original},
        "faces": {"tracks": [1, 2], "kept_unredacted": [2]},
        "boxes": [{"start_s": 0.0, "end_s": 1.5, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25}],
        "audio": [],
        "foia_exemption": "7(C)",
    }
    item = DerivedItem(recording_id=rec.id, object_id=obj.id, sha256=stored.sha256, redaction_id=red.id, log=log,
                       created_by="test")
    db.add(item)
    db.flush()
    return item


def footage(db: Session, n: int = 1) -> list[tuple[Recording, DerivedItem]]:
    who = officer(db, office="BAL")
    out = []
    for i in range(n):
        rec = recording(db, who, T0 + s(600 * i), T0 + s(600 * i + 300))
        out.append((rec, redacted_copy(db, rec)))
    return out


def verify(package: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(VERIFIER), "--package", str(package)], capture_output=True,
                          text=True, timeout=60)


def flip_byte_in(package: Path, member: str, out: Path) -> Path:
    """A copy of ``package`` with one byte of ``member``'s stored data changed."""
    import zipfile

    with zipfile.ZipFile(package) as zf:
        info = zf.getinfo(member)
    raw = bytearray(package.read_bytes())
    # Local header: 30 bytes, then the name and the extra field; the data follows.
    name_len = int.from_bytes(raw[info.header_offset + 26: info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    at = start + info.compress_size // 2
    raw[at] ^= 0x01
    out.write_bytes(bytes(raw))
    return out


APPROVER = {"email": "approver@demo.openbwc.org", "password": "demo-approver-pass", "totp": "JBSWY3DPEHPK3PXPJBSWY3DP"}


def seed_live() -> None:
    """Run in a `bwc` data directory (BWC_DATA_DIR): a second records officer and redacted footage.

    Prints the recording and derived ids as JSON (the browser test reads them).
    """
    import json

    from openbwc import shell
    from openbwc.domains import default_registry
    from openbwc.identity import duties
    from openbwc.identity import service as identity
    from tests.factories import TEST_ACTOR

    shell.install(default_registry())
    with shell.session_scope() as db:
        account = identity.create_account(
            db, TEST_ACTOR, email=APPROVER["email"], display_name="Avery Approver", roles=["records_officer"],
            password=APPROVER["password"], authority=duties.PLATFORM,
        )
        account.totp_secret, account.totp_enabled = APPROVER["totp"], True
        ((rec, item),) = footage(db)
        out = {"recording_id": str(rec.id), "derived_id": str(item.id)}
    print(json.dumps(out))
