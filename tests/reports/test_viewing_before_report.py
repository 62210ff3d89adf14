"""ACC-3: for the incident types the policy lists, an officer opens own footage only after filing the
initial report; refused attempts and others' viewings before the report are ledgered; version 1 never changes."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.evidence.models import RecordingTag
from openbwc.kit.errors import Conflict
from openbwc.policy import service as policy_service
from openbwc.reports.models import ReportVersion
from tests.factories import bearer, make_account, role_headers
from tests.sharing.helpers import derived_copy
from tests.web_helpers import log_on, post_form

GATED = ["proxy", "thumbnails/0", "media"]


def _tag(db, rec, tag="use_of_force"):
    db.add(RecordingTag(recording_id=rec.id, tag=tag, added_by="test"))
    db.flush()


def _actions(db, action: str) -> list[LedgerEntry]:
    db.expire_all()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.action == action)))


def test_the_policy_lists_the_incident_types():
    rules = policy_service.shipped_default().rules
    assert rules.viewing_before_report_rule == "ACC-3"
    assert {"use_of_force", "serious_injury", "death_in_custody"} == set(rules.viewing_before_report_types)


def test_a_policy_file_without_the_section_keeps_the_defaults():
    text = policy_service.default_text()
    start = text.index("viewing_before_report:")
    end = text.index("# The rule each finding cites")
    older = policy_service.parse(text[:start] + text[end:], "older file")
    assert "use_of_force" in older.rules.viewing_before_report_types


def test_an_officer_opens_own_gated_footage_only_after_the_report(client, db):
    # A supervisor records too, and may play proxies: their own footage is gated like anyone's.
    c = derived_copy(db, roles=("officer", "supervisor"))
    _tag(db, c.rec)
    h = bearer(db, c.officer.account)
    for path in GATED:
        r = client.get(f"/api/v1/recordings/{c.rec.id}/{path}", headers=h)
        assert r.status_code == 403 and r.json()["code"] == "REPORT_REQUIRED_BEFORE_VIEWING", (path, r.text)
    for tail in ("", "/play", "/download", "/export"):
        r = client.get(f"/api/v1/derived/{c.item.id}{tail}", headers=h)
        assert r.status_code == 403 and r.json()["code"] == "REPORT_REQUIRED_BEFORE_VIEWING", (tail, r.text)
    refused = _actions(db, "reports:viewing:refused")
    assert len(refused) == len(GATED) + 4 and all(e.outcome == "denied" for e in refused)
    # The supervisor may look (ledgered as a viewing before the report).
    sup = bearer(db, c.supervisor.account)
    assert client.get(f"/api/v1/derived/{c.item.id}", headers=sup).status_code == 200
    assert _actions(db, "reports:viewing:before_report")
    # Filing the report opens it.
    filed = client.post(
        "/api/v1/reports",
        headers=h,
        json={"incident_type": "use_of_force", "narrative": "I used a takedown.", "recording_ids": [str(c.rec.id)]},
    )
    assert filed.status_code == 201, filed.text
    report = filed.json()
    assert report["officer_name"] == "Dana Whitfield" and report["versions"][0]["intact"]
    assert client.get(f"/api/v1/derived/{c.item.id}/play", headers=h).status_code == 200
    assert client.get(f"/api/v1/recordings/{c.rec.id}/media", headers=h).status_code == 200
    filings = _actions(db, "reports:report:file")
    assert filings and json.loads(filings[-1].leaf)["details"]["sha256"] == report["versions"][0]["sha256"]


def test_untagged_footage_and_others_footage_are_not_gated(client, db):
    c = derived_copy(db)
    h = bearer(db, c.officer.account)
    assert client.get(f"/api/v1/derived/{c.item.id}", headers=h).status_code == 200
    _tag(db, c.rec, "foia")
    assert client.get(f"/api/v1/derived/{c.item.id}", headers=h).status_code == 200


def test_the_first_version_is_kept_and_edits_are_new_versions(client, db):
    c = derived_copy(db)
    h = bearer(db, c.officer.account)
    body = {"incident_type": "use_of_force", "narrative": "First account.", "recording_ids": [str(c.rec.id)]}
    report = client.post("/api/v1/reports", headers=h, json=body).json()
    amended = client.post(
        f"/api/v1/reports/{report['id']}/versions", headers=h, json={"narrative": "Second account.", "reason": "typo"}
    )
    assert amended.status_code == 201, amended.text
    versions = amended.json()["versions"]
    assert [v["narrative"] for v in versions] == ["First account.", "Second account."]
    assert versions[1]["reason"] == "typo" and all(v["intact"] for v in versions)
    # Nobody else amends it: the supervisor may read it, not edit it.
    sup = bearer(db, c.supervisor.account)
    assert client.get(f"/api/v1/reports/{report['id']}", headers=sup).status_code == 200
    r = client.post(f"/api/v1/reports/{report['id']}/versions", headers=sup, json={"narrative": "x", "reason": "y"})
    assert r.status_code == 403 and r.json()["code"] == "NOT_REPORT_AUTHOR"
    # The database refuses a change to a stored version.
    first = db.scalar(select(ReportVersion).where(ReportVersion.number == 1))
    first.narrative = "rewritten"
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()


def test_a_hidden_report_answers_as_a_missing_one(client, db):
    c = derived_copy(db)
    h = bearer(db, c.officer.account)
    body = {"incident_type": "use_of_force", "narrative": "Mine.", "recording_ids": [str(c.rec.id)]}
    report = client.post("/api/v1/reports", headers=h, json=body).json()
    stranger = role_headers(db, "officer")
    missing = str(uuid.uuid4())
    a = client.get(f"/api/v1/reports/{report['id']}", headers=stranger)
    b = client.get(f"/api/v1/reports/{missing}", headers=stranger)
    assert a.status_code == b.status_code == 404 and a.json()["code"] == b.json()["code"] == "REPORT_NOT_FOUND"
    assert a.json()["message"].replace(report["id"], "X") == b.json()["message"].replace(missing, "X")
    assert client.get("/api/v1/reports", headers=stranger).json()["total"] == 0
    # Another officer's recording cannot go into my report (and a hidden one answers as missing).
    other = derived_copy(db)
    r = client.post("/api/v1/reports", headers=h, json={**body, "recording_ids": [str(other.rec.id)]})
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND"


def test_an_officer_may_not_remove_the_incident_tag(client, db):
    c = derived_copy(db)
    _tag(db, c.rec)
    h = bearer(db, c.officer.account)
    r = client.delete(f"/api/v1/recordings/{c.rec.id}/tags/use_of_force", headers=h)
    assert r.status_code == 403 and r.json()["code"] == "TAG_RESERVED", r.text


def test_the_console_files_and_shows_a_report(client, db):
    c = derived_copy(db, roles=("officer", "supervisor"))
    _tag(db, c.rec)
    log_on(client, c.officer)
    assert client.get(f"/media/{c.rec.id}").status_code == 403
    r = post_form(
        client,
        "/reports",
        "/reports",
        {"incident_type": "use_of_force", "narrative": "Console account.", "recording_ids": str(c.rec.id)},
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert "Console account." in page.text and "as first filed" in page.text and "Dana Whitfield" in page.text
    assert client.get(f"/media/{c.rec.id}").status_code == 200


def test_bwc_reports_file_and_show(shell_database):
    from openbwc.cli.main import app as cli_app
    from tests.conftest import app_session

    with app_session(shell_database) as s:
        c = derived_copy(s)
        badge, rec_id = c.me.badge, str(c.rec.id)
        s.commit()
    runner = CliRunner()
    filed = runner.invoke(
        cli_app,
        [
            "reports",
            "file",
            "--officer",
            badge,
            "--type",
            "use_of_force",
            "--recording",
            rec_id,
            "--narrative",
            "Entered at the shell.",
            "--json",
        ],
    )
    assert filed.exit_code == 0, filed.output
    report_id = json.loads(filed.output)["id"]
    shown = runner.invoke(cli_app, ["reports", "show", report_id])
    assert shown.exit_code == 0 and "Entered at the shell." in shown.output and "intact" in shown.output
    bad = runner.invoke(cli_app, ["reports", "show", str(uuid.uuid4())])
    assert bad.exit_code == 2 and "REPORT_NOT_FOUND" in bad.output


def test_filing_needs_a_narrative_and_changes_nothing_when_refused(client, db):
    c = derived_copy(db)
    h = bearer(db, c.officer.account)
    r = client.post(
        "/api/v1/reports",
        headers=h,
        json={"incident_type": "use_of_force", "narrative": "   ", "recording_ids": [str(c.rec.id)]},
    )
    assert r.status_code == 422 and r.json()["code"] == "EMPTY_NARRATIVE"
    assert client.get("/api/v1/reports", headers=h).json()["total"] == 0
    nobody = make_account(db, "officer")  # an account without an officer
    r = client.post(
        "/api/v1/reports",
        headers=bearer(db, nobody.account),
        json={"incident_type": "use_of_force", "narrative": "x", "recording_ids": [str(c.rec.id)]},
    )
    assert r.status_code in (404, 422)
