"""The console's redaction form: typed boxes in source pixels, the same checks, job and ledger as the API."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from openbwc.custody.models import LedgerEntry
from openbwc.evidence.models import EvidenceObject, Segment
from openbwc.jobs.models import Job
from openbwc.media import repository as media_repo
from openbwc.media.models import Redaction
from openbwc.policy import seals
from openbwc.web.http import api_routes, declared_permission
from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import TEST_ACTOR, make_account, role_headers
from tests.web_helpers import csrf_from, log_on

WIDTH, HEIGHT = 1920, 1080


def _recording(db):
    """A 60 s recording whose stored footage is 1920x1080 (no bytes needed: nothing is rendered here)."""
    rec = recording(db, officer(db), T0, T0 + s(30))  # 30 s pre-event buffer: 60 s in all
    obj = EvidenceObject(sha256=rec.id.hex * 2, size=1, storage_key="k", stored_at=T0, width=WIDTH, height=HEIGHT)
    db.add(obj)
    db.flush()
    db.add(Segment(recording_id=rec.id, index=0, object_id=obj.id, name="a.mp4", prev_sha256=None))
    db.flush()
    return rec


def _records_officer(db, client):
    person = make_account(db, "records_officer")
    db.flush()
    log_on(client, person)
    return person


def _details(entry):
    return json.loads(entry.leaf)["details"]


def _counts(db):
    return (
        db.scalar(select(func.count(Redaction.id))),
        db.scalar(select(func.count(Job.id))),
        db.scalar(select(func.count(LedgerEntry.seq))),
    )


def _post(client, rec, data):
    page = f"/media/{rec.id}/redact"
    token = csrf_from(client.get(page).text)
    return client.post(page, data={**data, "csrf_token": token}, follow_redirects=False)


def _summary(db, red):
    boxes = [
        (b.start_s, b.end_s, round(b.x, 6), round(b.y, 6), round(b.w, 6), round(b.h, 6))
        for b in media_repo.boxes_of(db, red.id)
    ]
    audio = [(a.start_s, a.end_s, a.mode) for a in media_repo.audio_of(db, red.id)]
    job = db.get(Job, red.job_id)
    return {
        "faces": red.faces,
        "style": red.style,
        "exemption": red.exemption,
        "reason": red.reason,
        "status": red.status,
        "boxes": sorted(boxes),
        "audio": audio,
        "job": (job.kind, job.status, job.args == {"redaction_id": str(red.id)}),
    }


def test_the_form_with_typed_boxes_makes_the_same_redaction_and_job_as_the_api(db, client):
    rec = _recording(db)
    _records_officer(db, client)
    page = client.get(f"/media/{rec.id}/redact")
    assert page.status_code == 200
    assert "/static/redaction.js" in page.text and 'data-source-width="1920"' not in page.text  # no proxy yet
    assert "1920x1080" in page.text

    r = _post(
        client,
        rec,
        {
            "faces": "on",
            "exemption": "6",
            "style": "box",
            "reason": "plate and a letter",
            "boxes": "192,108,384,216,1-3.5\n\n# the letter on the dashboard\n960,540,960,540,0:05-0:06.5\n",
            "mute": "10-12, 0:20-0:21.5",
            "audio_mode": "bleep",
        },
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/media/{rec.id}"
    console = db.scalars(select(Redaction).where(Redaction.recording_id == rec.id)).one()

    api = role_headers(db, "records_officer")
    body = {
        "faces": True,
        "exemption": "6",
        "style": "box",
        "reason": "plate and a letter",
        "boxes": [
            {"start_s": 1, "end_s": 3.5, "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
            {"start_s": 5, "end_s": 6.5, "x": 0.5, "y": 0.5, "w": 0.5, "h": 0.5},
        ],
        "audio": [{"start_s": 10, "end_s": 12, "mode": "bleep"}, {"start_s": 20, "end_s": 21.5, "mode": "bleep"}],
    }
    made = client.post(f"/api/v1/recordings/{rec.id}/redactions", json=body, headers=api)
    assert made.status_code == 201, made.text
    assert client.post(f"/api/v1/redactions/{made.json()['id']}/render", headers=api).status_code == 202
    db.expire_all()
    from_api = db.get(Redaction, uuid.UUID(made.json()["id"]))

    assert _summary(db, console) == _summary(db, from_api)
    assert _summary(db, console)["job"] == ("media.redact", "queued", True)
    assert _summary(db, console)["boxes"][0] == (1.0, 3.5, 0.1, 0.1, 0.2, 0.2)
    # The same ledger entries, naming the person who used the form.
    for red in (console, from_api):
        entries = db.scalars(
            select(LedgerEntry).where(
                LedgerEntry.object_id == str(rec.id), LedgerEntry.action.like("media:redaction:%")
            )
        ).all()
        mine = [e for e in entries if _details(e).get("redaction") == str(red.id)]
        assert sorted(e.action for e in mine) == ["media:redaction:create", "media:redaction:queue"]
        create = next(e for e in mine if e.action == "media:redaction:create")
        assert _details(create)["boxes"] == 2 and _details(create)["audio_ranges"] == 2
        assert create.actor_id == red.created_by
    # The recording's page links to the form and lists the request.
    media = client.get(f"/media/{rec.id}").text
    assert f'href="/media/{rec.id}/redact"' in media and (str(console.id))[:8] in media


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"boxes": "1900,0,100,100,1-2"}, "INVALID_BOX"),  # past the right edge
        ({"boxes": "0,1000,100,100,1-2"}, "INVALID_BOX"),  # past the bottom
        ({"boxes": "10,10,0,50,1-2"}, "INVALID_BOX"),  # no width
        ({"boxes": "10,10,50,50,3-2"}, "INVALID_TIME_RANGE"),  # backwards
        ({"boxes": "10,10,50,50,2-2"}, "INVALID_TIME_RANGE"),  # empty
        ({"boxes": "10,10,50,50,59-75"}, "INVALID_TIME_RANGE"),  # ends after the recording
        ({"boxes": "10,10,50,50,70-71"}, "INVALID_TIME_RANGE"),  # starts after the recording
        ({"boxes": "10,10,50,50"}, "INVALID_BOX_LINE"),
        ({"boxes": "-10,10,50,50,1-2"}, "INVALID_BOX_LINE"),
        ({"boxes": "ten,10,50,50,1-2"}, "INVALID_BOX_LINE"),
        ({"boxes": "10,10,50,50,1-2\n" * 2001}, "TOO_MANY_BOXES"),
        ({"mute": "5-3"}, "INVALID_TIME_RANGE"),
        ({"mute": "5-8", "audio_mode": "hum"}, "INVALID_AUDIO_MODE"),
        ({"exemption": "5"}, "INVALID_EXEMPTION"),
        ({"faces": ""}, "EMPTY_REDACTION"),
    ],
)
def test_bad_input_is_shown_on_the_form_with_its_code_and_changes_nothing(db, client, fields, code):
    rec = _recording(db)
    _records_officer(db, client)
    page = f"/media/{rec.id}/redact"
    token = csrf_from(client.get(page).text)
    data = {"faces": "on", "exemption": "7(C)", "style": "blur", "reason": "keep me", **fields}
    before = _counts(db)
    r = client.post(page, data={**data, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422, r.text
    assert f"<strong>{code}</strong>" in r.text and 'role="alert"' in r.text
    # What was typed comes back, so nothing has to be typed again.
    assert 'value="keep me"' in r.text
    if "boxes" in fields and len(fields["boxes"]) < 100:
        assert fields["boxes"] in r.text
    assert _counts(db) == before


def test_the_api_refuses_a_bad_box_with_the_same_code(db, client):
    rec = _recording(db)
    api = role_headers(db, "records_officer")
    before = _counts(db)
    for box, code in (
        ({"start_s": 1, "end_s": 2, "x": 0.9, "y": 0, "w": 0.2, "h": 0.1}, "INVALID_BOX"),
        ({"start_s": 59, "end_s": 75, "x": 0, "y": 0, "w": 0.2, "h": 0.1}, "INVALID_TIME_RANGE"),
    ):
        r = client.post(f"/api/v1/recordings/{rec.id}/redactions", json={"boxes": [box]}, headers=api)
        assert (r.status_code, r.json()["code"]) == (422, code), r.text
        assert r.json()["message"].startswith("box 1: ")
    assert _counts(db) == before


def test_the_form_declares_the_api_permission_and_refuses_others(app, db, client):
    declared = {(path, tuple(sorted(route.methods))): declared_permission(route) for path, route in api_routes(app)}
    assert declared[("/media/{recording_id}/redact", ("POST",))] == (True, "media:redactions:write")
    assert declared[("/media/{recording_id}/redact", ("GET",))] == (True, "media:redactions:write")
    assert declared[("/api/v1/recordings/{recording_id}/redactions", ("POST",))] == (True, "media:redactions:write")

    rec = _recording(db)
    log_on(client, make_account(db, "supervisor"))  # may watch footage, may not redact it
    assert client.get(f"/media/{rec.id}/redact").status_code == 403
    token = csrf_from(client.get(f"/media/{rec.id}").text)
    before = _counts(db)
    r = client.post(f"/media/{rec.id}/redact", data={"faces": "on", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403 and "PERMISSION_DENIED" in r.text
    assert _counts(db)[:2] == before[:2]  # the refusal itself may be a ledger entry; nothing else is


def test_the_form_needs_its_csrf_token(db, client):
    rec = _recording(db)
    _records_officer(db, client)
    client.get(f"/media/{rec.id}/redact")
    before = _counts(db)
    r = client.post(f"/media/{rec.id}/redact", data={"faces": "on"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    assert _counts(db)[:2] == before[:2]


def test_a_sealed_recording_cannot_be_redacted_from_the_console(db, client):
    rec = _recording(db)
    seals.seal(db, TEST_ACTOR, rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    db.flush()
    _records_officer(db, client)
    token = csrf_from(client.get("/account").text)
    assert client.get(f"/media/{rec.id}/redact").status_code == 404
    r = client.post(
        f"/media/{rec.id}/redact",
        data={"faces": "on", "boxes": "10,10,50,50,1-2", "csrf_token": token},
        follow_redirects=False,
    )
    # As in the API: "not found", so the seal itself tells nothing; the attempt is in the ledger.
    assert r.status_code == 404 and "RECORDING_NOT_FOUND" in r.text
    assert db.scalar(select(func.count(Redaction.id)).where(Redaction.recording_id == rec.id)) == 0
    denied = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == seals.ACCESS_ACTION, LedgerEntry.object_id == str(rec.id))
    ).all()
    assert any(e.outcome == "denied" and _details(e)["via"] == f"POST /media/{rec.id}/redact" for e in denied)
    api = client.post(f"/api/v1/recordings/{rec.id}/redactions", json={}, headers=role_headers(db, "records_officer"))
    assert (api.status_code, api.json()["code"]) == (404, "RECORDING_NOT_FOUND")
