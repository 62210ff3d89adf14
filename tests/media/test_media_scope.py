"""A supervisor may play footage of their own reports only, through the media API and console as elsewhere."""

from __future__ import annotations

from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import bearer, make_account
from tests.web_helpers import log_on


def test_a_supervisor_plays_only_their_reports_footage(client, db):
    boss = make_account(db, "supervisor")
    me = officer(db)
    me.account_id = boss.account.id
    mine = recording(db, officer(db, supervisor=me), T0, T0 + s(60))
    theirs = recording(db, officer(db), T0, T0 + s(60))
    db.flush()
    h = bearer(db, boss.account)
    for path in ("proxy", "thumbnails/0", "media"):
        refused = client.get(f"/api/v1/recordings/{theirs.id}/{path}", headers=h)
        assert refused.status_code == 404 and refused.json()["code"] == "RECORDING_NOT_FOUND", (path, refused.text)
        allowed = client.get(f"/api/v1/recordings/{mine.id}/{path}", headers=h)
        # Demo-style rows have no proxy yet: "not made" is fine, "not found" would be the scope refusing.
        assert allowed.status_code == 200 or allowed.json()["code"] != "RECORDING_NOT_FOUND", (path, allowed.text)
    log_on(client, boss)
    assert client.get(f"/media/{theirs.id}").status_code == 404
    assert client.get(f"/media/{mine.id}").status_code == 200
