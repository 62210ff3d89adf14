"""The demo seed: activities, footage with every kind of finding, an evaluation, a review draw."""

from __future__ import annotations

from sqlalchemy import func, select

from openbwc.compliance.models import Finding
from openbwc.demo import compliance as demo
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
    assert demo.seed(db) is None
