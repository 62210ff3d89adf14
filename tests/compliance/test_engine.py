"""The engine at every finding's boundary, one pair at a time (no database: the same code a full run uses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from openbwc.compliance import engine
from openbwc.compliance.engine import Footage, judge_pair
from openbwc.compliance.matching import match
from openbwc.policy import service as policy_service

T0 = datetime(2024, 3, 4, 14, 0, tzinfo=UTC)
END = T0 + timedelta(minutes=30)
RULES = policy_service.shipped_default().rules


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def judge(footage, kind="arrest_warrant", **kw):  # type: ignore[no-untyped-def]
    status, found = judge_pair(RULES, activity_type=kind, started_at=T0, ended_at=END, footage=footage, **kw)
    return status, {f.code: f for f in found}


@pytest.mark.parametrize(
    ("late", "status"), [(59, "COMPLIANT"), (60, "COMPLIANT"), (60.4, "LATE_ACTIVATION"), (61, "LATE_ACTIVATION")]
)
def test_late_activation_boundary(late, status):
    got, found = judge([Footage(T0 + s(late), END)])
    assert got == status
    if status == "LATE_ACTIVATION":
        assert found["LATE_ACTIVATION"].rule_id == "TRG-6"
        assert found["LATE_ACTIVATION"].seconds == 61  # 60.4 s is shown rounded up, never as "60 s late"


def test_pre_event_buffer_does_not_count_as_activation():
    # The buffer starts long before, but the button was pressed 61 s after the start (TRG-6, TRG-7).
    got, _ = judge([Footage(T0 + s(61), END)])
    assert got == "LATE_ACTIVATION"


@pytest.mark.parametrize(
    ("early", "reason", "status"),
    [
        (60, None, "COMPLIANT"),
        (61, None, "EARLY_DEACTIVATION"),
        (61, "battery low", "EARLY_DEACTIVATION"),
        (61, "Scene secured", "COMPLIANT"),
        (600, "relieved-from-scene", "COMPLIANT"),
    ],
)
def test_early_deactivation_boundary_and_accepted_stop_reasons(early, reason, status):
    got, found = judge([Footage(T0, END - s(early), stop_reason=reason)])
    assert got == status
    if status == "EARLY_DEACTIVATION":
        assert found["EARLY_DEACTIVATION"].seconds == early and found["EARLY_DEACTIVATION"].rule_id == "TRG-6"


@pytest.mark.parametrize(("gap", "status"), [(30, "COMPLIANT"), (31, "RECORDING_GAP")])
def test_gap_boundary(gap, status):
    first_end = T0 + s(600)
    got, found = judge([Footage(T0, first_end), Footage(first_end + s(gap), END)])
    assert got == status
    if status == "RECORDING_GAP":
        assert found["RECORDING_GAP"].seconds == 31


def test_gap_after_an_accepted_stop_is_excused():
    first_end = T0 + s(600)
    got, _ = judge([Footage(T0, first_end, stop_reason="supervisor approved"), Footage(first_end + s(300), END)])
    assert got == "COMPLIANT"


def test_lead_in_and_tail_are_judged_by_the_graces_not_as_gaps():
    # 45 s lead-in and 50 s tail, each within its 60 s grace, each longer than the 30 s gap grace.
    got, found = judge([Footage(T0 + s(45), END - s(50))])
    assert got == "COMPLIANT" and "RECORDING_GAP" not in found


def test_overlapping_recordings_leave_no_gap():
    got, _ = judge([Footage(T0, T0 + s(900)), Footage(T0 + s(100), T0 + s(400)), Footage(T0 + s(920), END)])
    assert got == "COMPLIANT"


def test_not_recorded_names_the_trigger_rule():
    got, found = judge([])
    assert got == "NOT_RECORDED"
    assert found["NOT_RECORDED"].rule_id == "TRG-1" and found["NOT_RECORDED"].seconds == 1800
    _, found = judge([], kind="emergency_response")
    assert found["NOT_RECORDED"].rule_id == "TRG-2"


def test_recording_that_ended_before_the_start_does_not_count():
    got, _ = judge([Footage(T0 - s(600), T0)])
    assert got == "NOT_RECORDED"


def test_exempt_with_approval_and_unapproved_exception():
    got, found = judge([], exception_code="EXC-3", exception_approved=True)
    assert got == "EXEMPT" and list(found) == ["EXEMPT"] and found["EXEMPT"].rule_id == "EXC-3"
    got, found = judge([], exception_code="EXC-3")
    assert got == "NOT_RECORDED" and found["EXCEPTION_UNAPPROVED"].rule_id == "EXC-5"
    got, found = judge([Footage(T0, END)], exception_code="EXC-3")
    assert got == "EXCEPTION_UNAPPROVED" and set(found) == {"EXCEPTION_UNAPPROVED"}


def test_unsigned_footage_and_camera_not_assigned():
    got, found = judge([Footage(T0, END, flags=frozenset({"UNSIGNED"}))])
    assert got == "UNSIGNED_FOOTAGE" and found["UNSIGNED_FOOTAGE"].rule_id == "INT-2"
    got, found = judge([Footage(T0, END, flags=frozenset({"BAD_SIGNATURE"}))])
    assert got == "UNSIGNED_FOOTAGE"
    got, found = judge([Footage(T0, END, flags=frozenset({"CAMERA_NOT_ASSIGNED"}))])
    assert got == "CAMERA_NOT_ASSIGNED" and found["CAMERA_NOT_ASSIGNED"].rule_id == "PRO-3"


def test_all_findings_are_listed_and_the_status_is_the_worst():
    footage = [
        Footage(T0 + s(90), T0 + s(600), flags=frozenset({"UNSIGNED"})),
        Footage(T0 + s(700), END - s(120), flags=frozenset({"CAMERA_NOT_ASSIGNED"})),
    ]
    got, found = judge(footage)
    assert set(found) == {
        "LATE_ACTIVATION",
        "EARLY_DEACTIVATION",
        "RECORDING_GAP",
        "UNSIGNED_FOOTAGE",
        "CAMERA_NOT_ASSIGNED",
    }
    assert got == "LATE_ACTIVATION"  # worst in the policy's status_order
    assert found["RECORDING_GAP"].seconds == 100


def test_activation_within_grace_after_a_short_activity_counts():
    status, _ = judge_pair(
        RULES,
        activity_type="arrest_warrant",
        started_at=T0,
        ended_at=T0 + s(30),
        footage=[Footage(T0 + s(50), T0 + s(400))],
    )
    assert status == "COMPLIANT"


def test_unplanned_other_and_first_amendment_activity_are_not_required():
    assert judge([], kind="other", planned=False)[0] is None
    assert judge([], kind="other", planned=True)[0] == "NOT_RECORDED"
    assert judge([], kind="first_amendment_activity")[0] is None


def test_matching_is_per_officer_and_in_activation_order():
    found = match(
        np.array([0, 1]),
        np.array([0, 0]),
        np.array([100_000, 100_000]),
        np.array([1, 0, 0, -1]),
        np.array([10, 50_000, 5_000, 10]),
        np.array([99_000, 90_000, 40_000, 99_000]),
        60_000,
    )
    assert list(zip(found.pair.tolist(), found.rec.tolist(), strict=True)) == [(0, 2), (0, 1), (1, 0)]


def test_first_amendment_only_and_best_category():
    found = match(
        np.array([0, 0]),
        np.array([0, 0]),
        np.array([1000, 1000]),
        np.array([0, 0]),
        np.array([0, 2000]),
        np.array([500, 3000]),
        0,
    )
    fa = engine.first_amendment_only(
        2, found, np.array([False, False]), np.array([True, False]), np.array([False, True])
    )
    assert fa.tolist() == [True, True]
    fa = engine.first_amendment_only(
        2, found, np.array([True, False]), np.array([False, True]), np.array([False, False])
    )
    assert fa.tolist() == [False, False]
