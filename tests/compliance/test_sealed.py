"""PRO-1: footage of First Amendment activity alone is sealed; only oversight reaches it, through any route.

Routes are discovered from the app, so endpoints added later that take a
recording id are walked too.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from openbwc.compliance import runs
from openbwc.custody.models import LedgerEntry
from openbwc.policy import seals
from openbwc.web.http import api_routes, declared_permission
from tests.compliance.helpers import T0, officer, put_activity, recording, s
from tests.conftest import ROLES
from tests.factories import TEST_ACTOR, bearer, make_machine, role_headers

RECORDING_PARAMS = {"recording_id"}
OVERSIGHT = {r for r, perms in ROLES.items() if seals.SEALED_READ in perms}


def _sealed_setup(db):  # type: ignore[no-untyped-def]
    who = officer(db)
    put_activity(db, ref="MARCH-1", officers=[who], kind="first_amendment_activity", first_amendment="true")
    put_activity(db, ref="ARREST-1", officers=[who], kind="at_large_arrest", start=T0 + s(7200))
    protest = recording(db, who, T0 + s(30), T0 + s(1500))  # overlaps the march only
    both = recording(db, who, T0 + s(7000), T0 + s(7900))  # overlaps the arrest too
    tagged = recording(db, who, T0 + s(20000), T0 + s(20600), tags=("first_amendment",))  # no activity, tagged
    summary = runs.on_recordings(db, [protest.id, both.id, tagged.id])
    return who, protest, both, tagged, summary


def test_first_amendment_footage_is_sealed_and_categorized(db):
    _, protest, both, tagged, summary = _sealed_setup(db)
    assert summary.sealed == 2
    assert seals.sealed_among(db, [protest.id, both.id, tagged.id]) == {protest.id, tagged.id}
    db.refresh(protest)
    assert protest.category_code == "first_amendment_sealed"
    # Sealed footage leaves the custodian's queue for everyone but oversight.
    from openbwc.compliance import repository as repo

    hidden = repo.unlinked_recordings(db, limit=10, offset=0, visible=seals.visible(repo.Recording.id, False))[0]
    shown = repo.unlinked_recordings(db, limit=10, offset=0, visible=seals.visible(repo.Recording.id, True))[0]
    assert tagged.id not in {r.id for r in hidden} and tagged.id in {r.id for r in shown}
    # A seal is never lifted by re-evaluation.
    runs.run(db, TEST_ACTOR)
    assert seals.is_sealed(db, protest.id)


def _attempts(db, rid):  # type: ignore[no-untyped-def]
    rows = db.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.action == seals.ACCESS_ACTION, LedgerEntry.object_id == str(rid))
        .order_by(LedgerEntry.seq)  # without it PostgreSQL may return the newest attempt anywhere
    ).all()
    return [(e.actor_id, e.outcome, json.loads(e.leaf)["details"]["via"]) for e in rows]


def _routes(app):  # type: ignore[no-untyped-def]
    for path, route in api_routes(app):
        names = {p.name for p in route.dependant.path_params}
        if names & RECORDING_PARAMS and declared_permission(route)[1] is not None:
            for method in sorted(route.methods - {"HEAD"}):
                yield path, route, method


def _answer(r, asked: str) -> tuple:
    """What a response tells a caller: the status and the code, the message without the id asked."""
    if r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        if isinstance(body, dict) and "code" in body:
            return r.status_code, body["code"], str(body.get("message", "")).replace(asked, "<id>")
    return (r.status_code,)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_sealed_recording_is_denied_to_every_non_oversight_role_through_every_route(app, client, db, role):
    _, protest, _, _, _ = _sealed_setup(db)
    headers = role_headers(db, role) if role != "dock" else bearer(db, make_machine(db, "dock"))
    walked = 0
    for path, route, method in _routes(app):
        def url_for(rid: str, path=path, route=route) -> str:
            url = path
            for p in route.dependant.path_params:
                url = url.replace("{" + p.name + "}", rid if p.name in RECORDING_PARAMS else "1")
            return url

        url = url_for(str(protest.id))
        body = {} if method in ("POST", "PUT", "PATCH") else None
        before = len(_attempts(db, protest.id))
        r = client.request(method, url, headers=headers, json=body)
        after = _attempts(db, protest.id)
        assert len(after) == before + 1, f"{role} {method} {url}: attempt not in the ledger"
        actor, outcome, via = after[-1]
        assert via == f"{method} {url}"
        if role in OVERSIGHT:
            assert outcome == "success", f"{role} {method} {url}"
            body_out = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
            assert not (isinstance(body_out, dict) and body_out.get("code") == "RECORDING_NOT_FOUND"), url
        else:
            assert outcome == "denied", f"{role} {method} {url}"
            # Whatever the answer, it is the answer for a recording that does not exist.
            missing = str(uuid.uuid4())
            other = client.request(method, url_for(missing), headers=headers, json=body)
            assert _answer(r, str(protest.id)) == _answer(other, missing), f"{role} {method} {url}: {r.text}"
            assert r.status_code >= 400, f"{role} {method} {url}: {r.status_code}"
        walked += 1
    assert walked >= 10  # evidence, media and compliance routes at least
    if role in OVERSIGHT:
        r = client.get(f"/api/v1/recordings/{protest.id}", headers=headers)
        assert r.status_code == 200, r.text


def test_console_page_and_anonymous_attempts_are_ledgered(app, client, db):
    _, protest, _, _, _ = _sealed_setup(db)
    r = client.get(f"/api/v1/recordings/{protest.id}")
    assert r.status_code == 401
    assert _attempts(db, protest.id)[-1][:2] == ("anonymous", "denied")
    # Compliance's view of the recording: not found, as for one that does not exist.
    r = client.get(f"/api/v1/compliance/recordings/{protest.id}", headers=role_headers(db, "evidence_custodian"))
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND"


def test_findings_hide_sealed_evidence_from_non_oversight(client, db):
    who = officer(db)
    put_activity(db, ref="MIXED-1", officers=[who], kind="public_interaction")
    rec = recording(db, who, T0 + s(10), T0 + s(1790), tags=("first_amendment",))
    runs.on_recordings(db, [rec.id])
    # Overlaps enforcement activity: not sealed although tagged.
    assert not seals.is_sealed(db, rec.id)
    r = client.get("/api/v1/compliance/findings?officer=" + who.badge, headers=role_headers(db, "program_manager"))
    assert r.status_code == 200 and r.json()["items"][0]["recording_ids"] == [str(rec.id)]


def test_sealed_footage_is_left_out_of_evidence_lists_for_non_oversight(client, db):
    _, protest, both, _, _ = _sealed_setup(db)
    for role, sees in (("evidence_custodian", False), ("records_officer", False), ("oversight", True)):
        items = client.get("/api/v1/recordings?limit=500", headers=role_headers(db, role)).json()["items"]
        ids = {i["id"] for i in items}
        assert (str(protest.id) in ids) is sees, role
        assert str(both.id) in ids, role


def test_the_guard_ledgers_at_the_door_and_turns_a_leaking_route_into_not_found(app, client, db):
    """Defence in depth: a route that forgot the row scope still cannot serve sealed footage,
    and the guard answers only after the route (never before its permission check)."""
    from openbwc.web.http import requires

    _, protest, _, _, _ = _sealed_setup(db)

    @app.get("/api/v1/leaky/{recording_id}", dependencies=[requires("evidence:recordings:read")])
    def leaky(recording_id: str) -> dict:
        return {"served": recording_id}

    before = len(_attempts(db, protest.id))
    r = client.get(f"/api/v1/leaky/{protest.id}", headers=role_headers(db, "evidence_custodian"))
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND", r.text
    assert [o for _, o, _ in _attempts(db, protest.id)[before:]] == ["denied"]
    # A caller without the route's permission gets the route's 403, exactly as for any other id.
    r = client.get(f"/api/v1/leaky/{protest.id}", headers=role_headers(db, "program_manager"))
    gone = client.get(f"/api/v1/leaky/{uuid.uuid4()}", headers=role_headers(db, "program_manager"))
    assert r.status_code == gone.status_code == 403 and r.json()["code"] == gone.json()["code"]
    # Oversight is served.
    r = client.get(f"/api/v1/leaky/{protest.id}", headers=role_headers(db, "oversight"))
    assert r.status_code == 200 and r.json() == {"served": str(protest.id)}


def test_a_review_of_footage_sealed_after_the_draw_leaves_every_list_but_oversights(client, db):
    from openbwc.compliance import reviews
    from openbwc.compliance.models import ReviewAssignment
    from tests.compliance.helpers import supervisor

    who = officer(db, supervisor=supervisor(db))
    recs = [recording(db, who, T0 + s(3600 * i), T0 + s(3600 * i + 600)) for i in range(5)]
    reviews.draw(db, TEST_ACTOR, "2024-03", seed=3)
    drawn = db.scalars(select(ReviewAssignment.recording_id)).all()
    assert drawn
    seals.seal(db, TEST_ACTOR, drawn[0], reason="first amendment only", rule_id="PRO-1", policy_version="t")
    assert drawn[0] in {r.id for r in recs}
    for role, sees in (("program_manager", False), ("oversight", True)):
        items = client.get("/api/v1/compliance/reviews?month=2024-03", headers=role_headers(db, role)).json()["items"]
        assert (str(drawn[0]) in {i["recording_id"] for i in items}) is sees, role
