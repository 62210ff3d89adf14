"""The demo seed: activities, footage with every kind of finding, an evaluation, a review draw."""

from __future__ import annotations

from sqlalchemy import func, select

from openbwc.compliance.models import Finding
from openbwc.custody.models import LedgerEntry
from openbwc.demo import compliance as demo
from openbwc.evidence.models import Recording
from tests.compliance.helpers import officer, supervisor


def test_demo_seed_makes_every_kind_of_finding_and_is_idempotent(db):
    for office in ("BAL", "PHI"):
        boss = supervisor(db, office=office)
        for _ in range(4):
            officer(db, supervisor=boss, office=office)
    result = demo.seed(db)
    assert result is not None and result.activities == demo.ACTIVITIES and result.pairs > 300
    codes = dict(db.execute(select(Finding.code, func.count()).group_by(Finding.code)).all())
    for code in (
        "COMPLIANT",
        "NOT_RECORDED",
        "LATE_ACTIVATION",
        "EARLY_DEACTIVATION",
        "RECORDING_GAP",
        "EXEMPT",
        "EXCEPTION_UNAPPROVED",
        "UNSIGNED_FOOTAGE",
        "CAMERA_NOT_ASSIGNED",
    ):
        assert codes.get(code), code
    assert result.sealed > 0 and result.drawn > 0
    # Every demo recording's custody starts with its intake, as ingest's does.
    demo_ids = {str(r) for r in db.scalars(select(Recording.id).where(Recording.source == "demo"))}
    intake = set(db.scalars(select(LedgerEntry.object_id).where(LedgerEntry.action == "evidence:recording:ingest")))
    assert len(demo_ids) == result.recordings and demo_ids <= intake
    assert demo.seed(db) is None
