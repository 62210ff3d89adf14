"""`bwc search`: transcripts through the shell are ledgered, and sealed footage (PRO-1) stays out."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.custody.models import LedgerEntry
from openbwc.media.models import Transcript
from openbwc.media.transcripts import MODEL_NAME
from openbwc.policy import seals
from tests.compliance.helpers import T0, recording, s
from tests.conftest import app_session
from tests.factories import TEST_ACTOR


def _said(db: Session, text: str):  # type: ignore[no-untyped-def]
    rec = recording(db, None, T0, T0 + s(60))
    words = [[0.5 * i, 0.5 * i + 0.4, " " + w, 0.9] for i, w in enumerate(text.split())]
    db.add(Transcript(recording_id=rec.id, model=MODEL_NAME, language="en", duration_s=5.0, text=text, words=words))
    db.flush()
    return rec


def test_search_from_the_shell_is_ledgered_and_leaves_sealed_footage_out(shell_database):
    with app_session(shell_database) as db:
        open_rec = _said(db, "stop right there John Smith")
        sealed_rec = _said(db, "we are John Smith supporters")
        seals.seal(db, TEST_ACTOR, sealed_rec.id, reason="protest", rule_id="PRO-1", policy_version="test")
        db.commit()
        open_id, sealed_id = str(open_rec.id), str(sealed_rec.id)
    r = CliRunner().invoke(app, ["search", "John Smith", "--json"])
    assert r.exit_code == 0, r.output
    assert [f["recording_id"] for f in json.loads(r.stdout)] == [open_id]
    with app_session(shell_database) as db:
        entry = db.scalars(select(LedgerEntry).where(LedgerEntry.action == "media:transcript:search")).one()
    details = json.loads(entry.leaf)["details"]
    assert details["text"] == "John Smith" and details["returned"] == [open_id] and sealed_id not in details["returned"]
