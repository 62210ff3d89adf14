"""Hand-overs: every refusal code, and "who held camera S at time T" across issue, return and re-issue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from openbwc.custody.models import LedgerEntry
from openbwc.devices import service as devices
from openbwc.devices.models import CameraAssignment
from openbwc.kit.errors import DomainError
from openbwc.kit.time import utcnow
from openbwc.org import service as org
from tests.devices.conftest import days_ago
from tests.factories import TEST_ACTOR as A


def refused(code: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


def ledger(db, action: str, serial: str) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).where(LedgerEntry.action == action, LedgerEntry.object_id == serial)
    return list(db.scalars(stmt.order_by(LedgerEntry.seq)))


def test_issue_and_return_now_are_in_the_ledger(db, fleet):
    officer, cam = fleet.officer(), fleet.camera()
    a = devices.issue(db, A, serial=cam.serial.lower(), badge=officer.badge.lower())
    assert cam.status == "issued" and a.returned_at is None
    assert devices.holder_at(db, cam.serial, utcnow()).badge == officer.badge
    devices.return_camera(db, A, serial=cam.serial)
    assert cam.status == "in_stock" and a.returned_at is not None and a.end_reason == "returned"
    assert devices.holder_at(db, cam.serial, utcnow() + timedelta(seconds=1)) is None
    [issued] = ledger(db, "devices:camera:issue", cam.serial)
    assert b'"to":"' + officer.badge.encode() in issued.leaf
    assert len(ledger(db, "devices:camera:return", cam.serial)) == 1


def test_holder_at_across_issue_return_and_reissue_with_back_dated_hand_overs(db, fleet):
    first, second, cam = fleet.officer(trained_days_ago=200), fleet.officer(trained_days_ago=200), fleet.camera()
    t1, t2, t3, t4 = days_ago(100), days_ago(60), days_ago(30), days_ago(10)
    devices.issue(db, A, serial=cam.serial, badge=first.badge, at=t1)
    devices.return_camera(db, A, serial=cam.serial, at=t2)
    devices.issue(db, A, serial=cam.serial, badge=second.badge, at=t2)  # same instant: [t1, t2) then [t2, ...)
    devices.return_camera(db, A, serial=cam.serial, at=t3)
    devices.issue(db, A, serial=cam.serial, badge=first.badge, at=t4)

    def who(at):  # type: ignore[no-untyped-def]
        p = devices.holder_at(db, cam.serial, at)
        return p.badge if p else None

    s = timedelta(seconds=1)
    assert who(t1 - s) is None
    assert who(t1) == first.badge  # issued_at <= T
    assert who(t2 - s) == first.badge
    assert who(t2) == second.badge  # T < returned_at: the hand-over instant belongs to the new holder
    assert who(t3 - s) == second.badge
    assert who(t3) is None  # back in stock
    assert who(t4 - s) is None
    assert who(t4) == first.badge
    assert who(utcnow()) == first.badge
    rows = db.scalars(select(CameraAssignment).where(CameraAssignment.camera_id == cam.id)).all()
    assert len(rows) == 3 and sum(r.returned_at is None for r in rows) == 1
    # The camera page lists history by time; registration (today) comes after the imported hand-overs.
    assert [e.kind for e, _badge in reversed(devices.camera_history(db, cam).events)] == [
        "issue",
        "return",
        "issue",
        "return",
        "issue",
        "register",
    ]


def test_training_required_judged_at_the_hand_over_time(db, fleet):
    cam = fleet.camera()
    untrained = fleet.officer(trained_days_ago=None)
    refused("TRAINING_REQUIRED", devices.issue, db, A, serial=cam.serial, badge=untrained.badge)
    expired = fleet.officer(trained_days_ago=400)  # a year's validity ran out 35 days ago
    refused("TRAINING_REQUIRED", devices.issue, db, A, serial=cam.serial, badge=expired.badge)
    # ...but 40 days ago that training was current: a back-dated hand-over then is fine.
    devices.issue(db, A, serial=cam.serial, badge=expired.badge, at=days_ago(40))
    recent = fleet.officer(trained_days_ago=5)
    other = fleet.camera()
    # Trained 5 days ago: a hand-over 10 days ago came before the training.
    refused("TRAINING_REQUIRED", devices.issue, db, A, serial=other.serial, badge=recent.badge, at=days_ago(10))
    assert other.status == "in_stock" and devices.holder_at(db, other.serial, days_ago(1)) is None


def test_camera_unavailable(db, fleet):
    a, b, cam = fleet.officer(), fleet.officer(), fleet.camera()
    devices.issue(db, A, serial=cam.serial, badge=a.badge)
    e = refused("CAMERA_UNAVAILABLE", devices.issue, db, A, serial=cam.serial, badge=b.badge)
    assert e.detail["held_by"] == a.badge
    broken = fleet.camera()
    devices.change_status(db, A, serial=broken.serial, status="in_repair", reason="cracked lens")
    refused("CAMERA_UNAVAILABLE", devices.issue, db, A, serial=broken.serial, badge=b.badge)
    # Back-dated into a time when someone held it: judged at that time.
    held = fleet.camera()
    devices.issue(db, A, serial=held.serial, badge=b.badge, at=days_ago(50))
    devices.return_camera(db, A, serial=held.serial, at=days_ago(20))
    c = fleet.officer()
    refused("CAMERA_UNAVAILABLE", devices.issue, db, A, serial=held.serial, badge=c.badge, at=days_ago(30))
    for status in ("lost", "retired"):
        gone = fleet.camera()
        devices.change_status(db, A, serial=gone.serial, status=status)
        refused("CAMERA_UNAVAILABLE", devices.issue, db, A, serial=gone.serial, badge=c.badge)


def test_already_holds_camera(db, fleet):
    officer, one, two = fleet.officer(), fleet.camera(), fleet.camera()
    devices.issue(db, A, serial=one.serial, badge=officer.badge)
    e = refused("ALREADY_HOLDS_CAMERA", devices.issue, db, A, serial=two.serial, badge=officer.badge)
    assert e.detail["holds"] == one.serial and two.status == "in_stock"
    # Judged at the hand-over time: held one 50..20 days ago, so not another at 30 days ago.
    other, three, four = fleet.officer(), fleet.camera(), fleet.camera()
    devices.issue(db, A, serial=three.serial, badge=other.badge, at=days_ago(50))
    devices.return_camera(db, A, serial=three.serial, at=days_ago(20))
    refused("ALREADY_HOLDS_CAMERA", devices.issue, db, A, serial=four.serial, badge=other.badge, at=days_ago(30))
    devices.issue(db, A, serial=four.serial, badge=other.badge, at=days_ago(20))  # right after: fine


def test_back_dated_hand_overs_must_not_overlap_later_history(db, fleet):
    a, b, cam = fleet.officer(), fleet.officer(), fleet.camera()
    devices.issue(db, A, serial=cam.serial, badge=a.badge, at=days_ago(10))
    # The camera has a later hand-over: an open one from 30 days ago would overlap it.
    refused("OVERLAPPING_ASSIGNMENT", devices.issue, db, A, serial=cam.serial, badge=b.badge, at=days_ago(30))
    # The officer has a later hand-over.
    other = fleet.camera()
    refused("OVERLAPPING_ASSIGNMENT", devices.issue, db, A, serial=other.serial, badge=a.badge, at=days_ago(30))
    # The camera was sent for repair (and back) after the hand-over time.
    repaired = fleet.camera()
    devices.change_status(db, A, serial=repaired.serial, status="in_repair")
    devices.change_status(db, A, serial=repaired.serial, status="in_stock", reason="fixed")
    refused("OVERLAPPING_ASSIGNMENT", devices.issue, db, A, serial=repaired.serial, badge=b.badge, at=days_ago(3))
    # Nothing changed by the refusals.
    assert devices.holder_at(db, other.serial, utcnow()) is None and other.status == "in_stock"
    assert repaired.status == "in_stock"


def test_return_refusals_and_bad_times(db, fleet):
    officer, cam = fleet.officer(), fleet.camera()
    refused("NOT_ISSUED", devices.return_camera, db, A, serial=cam.serial)
    refused("UNKNOWN_CAMERA", devices.return_camera, db, A, serial="NOPE-1")
    refused("UNKNOWN_CAMERA", devices.issue, db, A, serial="NOPE-1", badge=officer.badge)
    refused("PERSON_NOT_FOUND", devices.issue, db, A, serial=cam.serial, badge="NOBODY1")
    refused(
        "INVALID_TIME", devices.issue, db, A, serial=cam.serial, badge=officer.badge, at=utcnow() + timedelta(hours=2)
    )
    devices.issue(db, A, serial=cam.serial, badge=officer.badge, at=days_ago(5))
    refused("INVALID_TIME", devices.return_camera, db, A, serial=cam.serial, at=days_ago(6))
    assert cam.status == "issued"
    gone = fleet.officer()
    org.set_status(db, A, gone, "separated")
    refused("PERSON_NOT_ACTIVE", devices.issue, db, A, serial=fleet.camera().serial, badge=gone.badge)


def test_the_database_refuses_two_open_hand_overs_of_one_camera(db, fleet):
    a, b, cam = fleet.officer(), fleet.officer(), fleet.camera()
    devices.issue(db, A, serial=cam.serial, badge=a.badge)
    nested = db.begin_nested()
    db.add(CameraAssignment(camera_id=cam.id, person_id=b.id, issued_at=utcnow(), issued_by="test"))
    with pytest.raises(IntegrityError):
        db.flush()
    nested.rollback()
