"""Evidence console pages, and every evidence route walked with every built-in role.

The walk here takes the routes from the evidence routers themselves, so it does
not depend on how the application nests included routers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.evidence import service
from openbwc.evidence.checks import Quarantined
from openbwc.evidence.endpoints import router as evidence_router
from openbwc.evidence.endpoints import tus_router
from openbwc.evidence.models import QuarantineItem
from openbwc.evidence.pages import router as pages_router
from openbwc.kit.time import utcnow
from openbwc.web.http import declared_permission
from tests.conftest import ROLES
from tests.factories import TEST_ACTOR, bearer, make_account, make_machine
from tests.web_helpers import log_on, post_form


def _routes():
    for router in (evidence_router, tus_router, pages_router):
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods - {"HEAD"}):
                    yield route, method


def _path(route: APIRoute) -> str:
    path = route.path
    for param in route.dependant.path_params:
        path = path.replace("{" + param.name + "}", "X")
    return path


def test_every_evidence_route_declares_a_permission():
    for route, method in _routes():
        declared, _ = declared_permission(route)
        assert declared, f"{method} {route.path}"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_roles_are_allowed_or_denied_as_declared(client, db, role):
    headers = bearer(db, make_machine(db, "dock")) if role == "dock" else bearer(db, make_account(db, role).account)
    granted = ROLES[role]
    problems = []
    for route, method in _routes():
        _, perm = declared_permission(route)
        if perm is None:
            continue
        kwargs = {"json": {}} if method in ("POST", "PATCH") else {}
        r = client.request(method, _path(route), headers=headers, follow_redirects=False, **kwargs)
        if perm in granted and r.status_code in (401, 403):
            problems.append(f"{role} should reach {method} {route.path} but got {r.status_code}")
        if perm not in granted and r.status_code != 403:
            problems.append(f"{role} should be denied {method} {route.path} but got {r.status_code}")
    assert not problems, "\n".join(problems)


def test_anonymous_callers_are_refused(client):
    for route, method in _routes():
        _, perm = declared_permission(route)
        if perm is None:
            continue
        r = client.request(method, _path(route), follow_redirects=False)
        assert r.status_code in (303, 401, 403), f"{method} {route.path}: {r.status_code}"


def test_recording_pages_show_flags_segments_and_ledger(client, db, store, settings, clips, fleet):
    rec = service.ingest_paths(
        db,
        store,
        settings,
        TEST_ACTOR,
        [clips["seg2.mp4"]],
        camera=fleet.camera.serial,
        recorded_start=utcnow() - timedelta(hours=1),
    ).recording
    with pytest.raises(Quarantined):
        service.ingest_paths(db, store, settings, TEST_ACTOR, [clips["empty.mp4"]], camera=fleet.camera.serial)
    custodian = make_account(db, "evidence_custodian")
    log_on(client, custodian)
    listing = client.get("/evidence", params={"flag": "UNSIGNED"})
    assert listing.status_code == 200 and str(rec.id) in listing.text
    page = client.get(f"/evidence/{rec.id}")
    assert page.status_code == 200
    assert "UNSIGNED" in page.text and "seg2.mp4" in page.text and "evidence:recording:ingest" in page.text
    reads = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == "evidence:recording:read", LedgerEntry.object_id == str(rec.id))
    ).all()
    assert reads  # looking at evidence is itself in the ledger
    q = client.get("/quarantine")
    assert q.status_code == 200 and "EMPTY_FILE" in q.text
    item = db.scalars(select(QuarantineItem).where(QuarantineItem.code == "EMPTY_FILE")).first()
    r = post_form(client, "/quarantine", f"/quarantine/{item.id}/reject", {"note": "nothing recorded"})
    assert r.status_code == 303
    db.refresh(item)
    assert item.status == "rejected"


def test_officers_see_only_their_own_recordings_in_the_console(client, db, store, settings, clips, fleet):
    rec = service.ingest_paths(
        db,
        store,
        settings,
        TEST_ACTOR,
        [clips["seg3.mp4"]],
        camera=fleet.camera.serial,
        recorded_start=utcnow() - timedelta(hours=1),
    ).recording
    stranger = make_account(db, "officer")
    log_on(client, stranger)
    assert str(rec.id) not in client.get("/evidence").text
    assert client.get(f"/evidence/{rec.id}").status_code == 404
    assert client.get("/quarantine").status_code == 403
