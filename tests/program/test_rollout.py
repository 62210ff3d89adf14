"""Rollout phases: planned versus issued cameras, officers needed versus trained, per office."""

from __future__ import annotations

from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.devices import service as devices
from openbwc.program import service as program
from tests.devices.test_assignments import refused
from tests.factories import TEST_ACTOR as A
from tests.factories import role_headers


def test_progress_per_office(db, fleet):
    # Baltimore: three ERO officers trained (two with cameras), one untrained; one HSI agent trained.
    ero = [fleet.officer(office="BAL") for _ in range(3)]
    fleet.officer(office="BAL", trained_days_ago=None)
    hsi = fleet.officer(office="BAL", division="HSI")
    for person in (ero[0], ero[1]):
        devices.issue(db, A, serial=fleet.camera().serial, badge=person.badge)
    devices.issue(db, A, serial=fleet.camera().serial, badge=hsi.badge)
    program.plan_phase(
        db, A, number=1, name="ERO first", divisions=["ERO"], targets={"BAL": (10, 12), "Detroit": (5, None)}
    )
    program.plan_phase(db, A, number=2, name="All", divisions=["ERO", "HSI"], targets={"BAL": (20, None)})
    phases = {p.phase.number: p for p in program.rollout_progress(db)}
    bal = next(o for o in phases[1].offices if o.office_code == "BAL")
    det = next(o for o in phases[1].offices if o.office_code == "DET")
    # Each test starts from an empty agency, so these are the only people in Baltimore.
    assert (bal.planned_cameras, bal.issued_cameras, bal.officers_needed, bal.trained_officers) == (10, 2, 12, 3)
    assert (det.planned_cameras, det.officers_needed, det.issued_cameras) == (5, 5, 0)
    assert phases[1].total("planned_cameras") == 15
    [bal2] = phases[2].offices
    assert (bal2.issued_cameras, bal2.trained_officers, bal2.active_officers) == (3, 4, 5)
    # Planning again replaces the phase.
    program.plan_phase(db, A, number=1, name="ERO first", divisions=["ERO"], targets={"BAL": (11, None)})
    [again] = [p for p in program.rollout_progress(db) if p.phase.number == 1]
    assert [(o.office_code, o.planned_cameras) for o in again.offices] == [("BAL", 11)]
    entries = db.scalars(select(LedgerEntry).where(LedgerEntry.action == "program:phase:plan")).all()
    assert len(entries) == 3


def test_plan_refusals(db):
    def plan(**kw):  # type: ignore[no-untyped-def]
        args = {"number": 1, "name": "P", "divisions": ["ERO"], "targets": {"BAL": (1, None)}} | kw
        return program.plan_phase(db, A, **args)

    refused("INVALID_PHASE", plan, number=0)
    refused("INVALID_PHASE", plan, name=" ")
    refused("INVALID_PHASE", plan, divisions=[])
    refused("INVALID_PHASE", plan, targets={})
    refused("INVALID_PHASE", plan, targets={"BAL": (-1, None)})
    refused("INVALID_PHASE", plan, targets={"BAL": (1, None), "Baltimore": (2, None)})
    refused("UNKNOWN_OFFICE", plan, targets={"Atlantis": (1, None)})
    refused("UNKNOWN_DIVISION", plan, divisions=["CBP"])
    refused("UNKNOWN_PHASE", program.get_phase, db, 7)
    assert program.rollout_progress(db) == []


def test_rollout_api(client, db):
    pm, supervisor, oversight = (role_headers(db, r) for r in ("program_manager", "supervisor", "oversight"))
    body = {"name": "Phase 1", "divisions": ["ERO", "HSI"], "offices": [{"office": "BAL", "planned_cameras": 300}]}
    r = client.put("/api/v1/program/phases/1", json=body, headers=pm)
    assert r.status_code == 200, r.text
    assert r.json()["planned_cameras"] == 300 and r.json()["offices"][0]["officers_needed"] == 300
    assert client.put("/api/v1/program/phases/1", json=body, headers=oversight).status_code == 403
    assert client.get("/api/v1/program/rollout", headers=supervisor).status_code == 403
    [phase] = client.get("/api/v1/program/rollout", headers=oversight).json()
    assert phase["number"] == 1 and phase["divisions"] == ["ERO", "HSI"]
    r = client.put("/api/v1/program/phases/1", json=body | {"divisions": ["XYZ"]}, headers=pm)
    assert (r.status_code, r.json()["code"]) == (422, "UNKNOWN_DIVISION")
