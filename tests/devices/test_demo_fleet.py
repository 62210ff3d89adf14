"""The demo fleet: 1,600 cameras in five offices, deterministic, idempotent and consistent."""

from __future__ import annotations

from sqlalchemy import func, select

from openbwc.custody.models import LedgerEntry
from openbwc.demo import agency, fleet
from openbwc.devices import keys
from openbwc.devices import repository as repo
from openbwc.devices import service as devices
from openbwc.devices.models import Camera, CameraAssignment, MalfunctionReport
from openbwc.identity.models import ApiToken
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.program import service as program


def test_demo_fleet(db):
    agency.seed(db)
    summary = fleet.seed(db)
    assert summary.created and summary.cameras == 1600 and summary.phase_planned
    by_status = summary.by_status
    assert sum(by_status.values()) == 1600
    assert 25 <= by_status["in_repair"] <= 40  # about 2%
    assert by_status["issued"] >= 1500 and by_status["in_stock"] >= 5
    assert 5 <= summary.silent <= 12  # about 0.5%
    assert len(summary.docks) == 5 and all(token for *_x, token in summary.docks)

    # Keys come from the serial, so the camera simulator can sign for any demo camera.
    cam = repo.camera_by_serial(db, "BWC-000123")
    assert keys.key_id_of(fleet.camera_private_key("BWC-000123").public_key()) == cam.key_id
    assert devices.public_key_of(cam) is not None

    # Every open hand-over went to an officer of the camera's office whose training was current then.
    now = utcnow()
    rows = db.execute(select(CameraAssignment, Camera).join(Camera, Camera.id == CameraAssignment.camera_id)).all()
    people = org_repo.people_by_ids(db, {a.person_id for a, _c in rows})
    for a, c in rows:
        person = people[a.person_id]
        assert person.status == "active" and person.office_code == c.office_code
        assert org_repo.trained_ids(db, [person.id], a.issued_at), (c.serial, person.badge)
        assert devices.holder_at(db, c.serial, a.issued_at).id == person.id
    open_rows = [a for a, _c in rows if a.returned_at is None]
    assert len(open_rows) == by_status["issued"] and len({a.person_id for a in open_rows}) == len(open_rows)
    # Cameras in repair: reported by their last holder, who got another camera an hour later.
    reports = db.scalars(select(MalfunctionReport)).all()
    assert len(reports) == by_status["in_repair"]
    for m in reports[:5]:
        assert m.resolved_at is None and m.window_start <= m.window_end <= now
        assert devices.holder_at(db, db.get(Camera, m.camera_id).serial, m.window_start).id == m.holder_person_id
    silent = devices.silent_cameras(db, now)
    assert all(v.silent_days(now) >= 8 for v in silent)
    [phase] = program.rollout_progress(db, now)
    assert phase.total("planned_cameras") == 1600 and phase.total("issued_cameras") == by_status["issued"]
    assert all(d.last_seen_at is not None for d in repo.list_docks(db))
    assert db.scalar(select(func.count(LedgerEntry.seq)).where(LedgerEntry.action == "devices:cameras:import")) == 1

    again = fleet.seed(db)
    assert not again.created and again.cameras == 1600 and not again.phase_planned
    # A second run prints the docks' tokens again: new ones, the first run's revoked.
    first_tokens = {token for *_x, token in summary.docks}
    again_tokens = {token for *_x, token in again.docks}
    assert all(again_tokens) and len(again_tokens) == 5 and not again_tokens & first_tokens
    assert db.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None),
                                                           ApiToken.name.like("dock %"))) == 5
    assert db.scalar(select(func.count(Camera.id))) == 1600
