"""A recording with a stored redacted copy, without running the redaction job (its pipeline is tested in
tests/media): an officer with an account, their supervisor, and the derived item's bytes in the store."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.media.models import DerivedItem, Redaction, RedactionStatus
from openbwc.org.models import Person
from openbwc.storage import open_store
from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import Person as Account
from tests.factories import make_account


@dataclass
class Copy:
    rec: Recording
    item: DerivedItem
    data: bytes
    me: Person
    officer: Account
    supervisor: Account


def derived_copy(db: Session, *, size: int = 300_000, roles: tuple[str, ...] = ("officer",)) -> Copy:
    sup, off = make_account(db, "supervisor"), make_account(db, *roles)
    boss = officer(db)
    boss.account_id = sup.account.id
    me = officer(db, supervisor=boss)
    me.account_id = off.account.id
    me.name = "Dana Whitfield"
    db.flush()
    rec = recording(db, me, T0, T0 + s(60))
    data = os.urandom(size)
    stored = open_store().put_stream(io.BytesIO(data))
    obj = EvidenceObject(sha256=stored.sha256, size=stored.size, storage_key=stored.key, stored_at=T0)
    red = Redaction(
        recording_id=rec.id,
        status=RedactionStatus.RENDERED,
        created_by=str(sup.account.id),
        created_by_name="Rae Records",
        reason="bystanders",
        exemption="7(C)",
        keep_tracks=[2],
    )
    db.add_all([obj, red])
    db.flush()
    item = DerivedItem(
        recording_id=rec.id,
        object_id=obj.id,
        sha256=obj.sha256,
        redaction_id=red.id,
        created_by=str(sup.account.id),
        log={
            "requested_by": {"id": str(sup.account.id), "name": "Rae Records"},
            "boxes": [],
            "audio": [],
            "faces": {"tracks": [1, 2], "kept_unredacted": [2]},
            "original": {"sha256": ["0" * 64]},
        },
    )
    db.add(item)
    db.flush()
    return Copy(rec, item, data, me, off, sup)
