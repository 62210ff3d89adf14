"""The demo's supervisor and officer accounts belong to people who have footage to see."""

from __future__ import annotations

from sqlalchemy import func, select

from openbwc.demo import agency
from openbwc.demo import compliance as demo_compliance
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import viewer_for
from openbwc.identity import repository as identity_repo
from openbwc.identity.service import principal_for


def _seen(db, email: str) -> int:
    viewer = viewer_for(db, principal_for(db, identity_repo.account_by_email(db, email)))
    return db.scalar(select(func.count(Recording.id)).where(viewer.visible(Recording.id))) or 0


def test_demo_supervisor_and_officer_see_their_footage(db):
    agency.seed(db)
    assert demo_compliance.seed(db) is not None
    assert _seen(db, "officer@demo.openbwc.org") >= 5
    assert _seen(db, "supervisor@demo.openbwc.org") >= 10
