"""Redaction review before release: tracks accepted or rejected (the requester's own face kept), boxes
adjusted, a rendered redaction revised into a new draft whose rendering is a new derived item."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.media.models import FaceAnalysis, Redaction, RedactionBox, RedactionStatus
from openbwc.media.redaction.detector import DETECTOR_NAME
from tests.factories import bearer, make_account
from tests.sharing.helpers import derived_copy
from tests.web_helpers import log_on, post_form

TRACKS = [
    {"number": 1, "keyframes": [[0, 10, 10, 50, 50, 0.9], [300, 12, 12, 52, 52, 0.9]]},
    {"number": 2, "keyframes": [[600, 100, 100, 150, 150, 0.8], [900, 100, 100, 150, 150, 0.8]]},
]


def _draft(db, c) -> Redaction:
    db.add(
        FaceAnalysis(
            recording_id=c.rec.id, detector=DETECTOR_NAME, frames=1800, fps=30.0, width=640, height=360, tracks=TRACKS
        )
    )
    red = Redaction(
        recording_id=c.rec.id,
        status=RedactionStatus.DRAFT,
        created_by="x",
        created_by_name="Rae Records",
        reason="bystanders",
    )
    db.add(red)
    db.flush()
    db.add(RedactionBox(redaction_id=red.id, start_s=1, end_s=2, x=0.1, y=0.1, w=0.2, h=0.2))
    db.flush()
    return red


def test_tracks_are_decided_on_the_timeline_and_boxes_adjusted(client, db):
    c = derived_copy(db)
    red = _draft(db, c)
    h = bearer(db, make_account(db, "records_officer").account)
    r = client.get(f"/api/v1/redactions/{red.id}/review", headers=h)
    assert r.status_code == 200, r.text
    tracks = r.json()["tracks"]
    assert [(t["number"], t["first_s"], t["last_s"], t["decision"]) for t in tracks] == [
        (1, 0.0, 10.0, "accept"),
        (2, 20.0, 30.0, "accept"),
    ]
    kept = client.put(
        f"/api/v1/redactions/{red.id}/tracks/2", headers=h, json={"decision": "reject", "requester": True}
    )
    assert kept.status_code == 200, kept.text
    t2 = kept.json()["tracks"][1]
    assert t2["decision"] == "reject" and t2["reason"] == "requester's own face" and t2["by"]
    no_reason = client.put(f"/api/v1/redactions/{red.id}/tracks/1", headers=h, json={"decision": "reject"})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "REASON_REQUIRED"
    unknown = client.put(f"/api/v1/redactions/{red.id}/tracks/9", headers=h, json={"decision": "accept"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "UNKNOWN_TRACK"
    db.expire_all()
    assert db.get(Redaction, red.id).keep_tracks == [2]
    box = db.scalar(select(RedactionBox).where(RedactionBox.redaction_id == red.id))
    moved = client.put(
        f"/api/v1/redactions/{red.id}/boxes/{box.id}",
        headers=h,
        json={"start_s": 1, "end_s": 3, "x": 0.4, "y": 0.4, "w": 0.1, "h": 0.1},
    )
    assert moved.status_code == 200, moved.text
    updates = db.scalars(select(LedgerEntry).where(LedgerEntry.action == "media:redaction:update")).all()
    assert len(updates) >= 2


def test_a_rendered_redaction_is_revised_into_a_new_draft(client, db):
    c = derived_copy(db)  # its redaction is rendered, with track 2 kept
    h = bearer(db, make_account(db, "records_officer").account)
    rendered = c.item.redaction_id
    refused = client.put(f"/api/v1/redactions/{rendered}/tracks/2", headers=h, json={"decision": "accept"})
    assert refused.status_code in (409, 422)
    new = client.post(f"/api/v1/redactions/{rendered}/revise", headers=h)
    assert new.status_code == 201, new.text
    body = new.json()
    assert body["status"] == "draft" and body["keep_tracks"] == [2] and body["derived_id"] is None
    assert body["id"] != str(rendered)
    review = client.get(f"/api/v1/redactions/{body['id']}/review", headers=h).json()
    assert review["revises_id"] == str(rendered) and review["editable"]


def test_the_console_review_page(client, db):
    c = derived_copy(db)
    red = _draft(db, c)
    person = make_account(db, "records_officer")
    log_on(client, person)
    page = client.get(f"/redactions/{red.id}/review")
    assert page.status_code == 200 and "Requester" in page.text and "Render" in page.text
    r = post_form(
        client,
        f"/redactions/{red.id}/review",
        f"/redactions/{red.id}/tracks/1",
        {"decision": "reject", "requester": "on"},
    )
    assert r.status_code == 303, r.text
    assert "requester&#39;s own face" in client.get(f"/redactions/{red.id}/review").text
    # An officer may not review.
    assert client.get(f"/redactions/{red.id}/review", headers=bearer(db, c.officer.account)).status_code == 403


def test_bwc_review(shell_database):
    from openbwc.cli.main import app as cli_app
    from tests.conftest import app_session

    with app_session(shell_database) as s:
        c = derived_copy(s)
        red = _draft(s, c)
        red_id, rendered = str(red.id), str(c.item.redaction_id)
        s.commit()
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["review", "show", red_id, "--json"])
    assert shown.exit_code == 0, shown.output
    assert len(json.loads(shown.output)["tracks"]) == 2
    kept = runner.invoke(cli_app, ["review", "reject", red_id, "1", "--requester", "--json"])
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.output)["tracks"][0]["decision"] == "reject"
    back = runner.invoke(cli_app, ["review", "accept", red_id, "1", "--json"])
    assert json.loads(back.output)["tracks"][0]["decision"] == "accept"
    revised = runner.invoke(cli_app, ["review", "revise", rendered, "--json"])
    assert revised.exit_code == 0 and json.loads(revised.output)["revises_id"] == rendered
