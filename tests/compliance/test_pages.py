"""The console's compliance pages: dashboard with charts, findings, activities, the policy."""

from __future__ import annotations

from openbwc.compliance import runs
from tests.compliance.helpers import T0, officer, put_activity, recording, s
from tests.factories import TEST_ACTOR, make_account
from tests.web_helpers import log_on


def test_dashboard_findings_activities_and_policy_pages(client, db):
    a, b = officer(db), officer(db, office="PHI")
    put_activity(db, ref="PAGE-1", officers=[a, b])
    recording(db, a, T0 + s(90), T0 + s(1800))
    runs.run(db, TEST_ACTOR)
    log_on(client, make_account(db, "program_manager"))
    page = client.get("/compliance")
    assert page.status_code == 200
    assert "Activation compliance by field office" in page.text and "<svg" in page.text
    assert "LATE_ACTIVATION" in page.text and "NOT_RECORDED" in page.text
    findings = client.get("/compliance/findings?code=LATE_ACTIVATION")
    assert findings.status_code == 200 and "TRG-6" in findings.text and a.badge in findings.text
    listing = client.get("/activities")
    assert listing.status_code == 200 and "PAGE-1" in listing.text
    one = client.get("/activities/PAGE-1")
    assert one.status_code == 200 and "NOT_RECORDED" in one.text
    assert "LATE_ACTIVATION" in one.text and "<td>0:01:30</td>" in one.text  # 90 s late, shown with the finding
    policy = client.get("/policy")
    assert policy.status_code == 200 and "TRG-6" in policy.text and "EXC-4" in policy.text


def test_officers_do_not_see_the_dashboard(client, db):
    log_on(client, make_account(db, "officer"))
    assert client.get("/compliance").status_code == 403
    assert client.get("/policy").status_code == 200
