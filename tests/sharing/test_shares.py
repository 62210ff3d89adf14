"""Sharing with prosecutors and defence: per-recipient links that expire or are revoked; every use ledgered."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.policy import seals
from openbwc.sharing.models import Share
from tests.factories import TEST_ACTOR, role_headers
from tests.sharing.helpers import derived_copy
from tests.web_helpers import log_on, post_form


def _entries(db, action: str) -> list[LedgerEntry]:
    db.expire_all()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq)))


def _share(client, headers, item_id, **kw):
    body = {
        "derived_id": str(item_id),
        "recipient_name": "Pat Prosecutor",
        "recipient_email": "pat@usao.example",
        "recipient_role": "prosecutor",
        **kw,
    }
    r = client.post("/api/v1/shares", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_view_only_link_streams_and_refuses_a_download(client, db):
    c = derived_copy(db)
    made = _share(client, role_headers(db, "records_officer"), c.item.id)
    assert (
        made["status"] == "active"
        and made["created_by"]
        and made["token"]
        not in json.dumps(client.get(f"/api/v1/shares/{made['id']}", headers=role_headers(db, "oversight")).json())
    )
    page = client.get(made["url"])
    assert page.status_code == 200 and "Pat Prosecutor" in page.text and c.item.sha256 in page.text
    assert "viewing only" in page.text
    first = client.get(made["url"] + "/play", headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == c.data[:100]
    assert client.get(made["url"] + "/play", headers={"Range": "bytes=100-"}).status_code == 206
    refused = client.get(made["url"] + "/download")
    assert refused.status_code == 403 and "SHARE_VIEW_ONLY" in refused.text
    plays = _entries(db, "media:derived:play")
    assert len(plays) == 1 and json.loads(plays[0].leaf)["actor"]["name"].startswith("Pat Prosecutor")
    assert _entries(db, "sharing:link:open") and _entries(db, "sharing:share:create")
    db.expire_all()
    assert db.get(Share, uuid.UUID(made["id"])).views == 1


def test_a_download_link_downloads_and_each_download_is_ledgered(client, db):
    c = derived_copy(db)
    made = _share(client, role_headers(db, "evidence_custodian"), c.item.id, mode="download", recipient_role="defence")
    for _ in range(2):
        got = client.get(made["url"] + "/download")
        assert got.status_code == 200 and got.content == c.data and "attachment" in got.headers["content-disposition"]
    assert len(_entries(db, "media:derived:download")) == 2


def test_revoked_expired_and_unknown_links_answer_alike(client, db):
    c = derived_copy(db)
    h = role_headers(db, "records_officer")
    revoked = _share(client, h, c.item.id)
    expired = _share(client, h, c.item.id)
    sealed_later = _share(client, h, c.item.id)
    r = client.post(f"/api/v1/shares/{revoked['id']}/revoke", headers=h, json={"reason": "case dismissed"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    row = db.get(Share, uuid.UUID(expired["id"]))
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.flush()
    unknown = "/shared/" + "x" * 43
    answers = set()
    for url in (revoked["url"], expired["url"], unknown):
        for tail in ("", "/play", "/download"):
            got = client.get(url + tail)
            answers.add((tail, got.status_code, got.text))
    assert {a[1] for a in answers} == {404} and len(answers) == 3, answers
    refusals = _entries(db, "sharing:link:refused")
    assert len(refusals) == 6 and all(e.outcome == "denied" for e in refusals)
    # Sealed after it was shared (PRO-1): the link answers as any dead one.
    seals.seal(db, TEST_ACTOR, c.rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    db.flush()
    assert client.get(sealed_later["url"] + "/play").status_code == 404


def test_only_what_the_caller_may_see_is_shared_and_hidden_shares_answer_as_missing(client, db):
    c = derived_copy(db)
    made = _share(client, role_headers(db, "records_officer"), c.item.id)
    # An officer may not share, nor see the list.
    officer = role_headers(db, "officer")
    assert client.post("/api/v1/shares", headers=officer, json={}).status_code == 403
    assert client.get("/api/v1/shares", headers=officer).status_code == 403
    # Sealed: hidden from the records officer, as a missing one.
    seals.seal(db, TEST_ACTOR, c.rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    db.flush()
    h = role_headers(db, "records_officer")
    missing = str(uuid.uuid4())
    a = client.get(f"/api/v1/shares/{made['id']}", headers=h)
    b = client.get(f"/api/v1/shares/{missing}", headers=h)
    assert a.status_code == b.status_code == 404
    assert a.json()["message"].replace(made["id"], "X") == b.json()["message"].replace(missing, "X")
    r = client.post(
        "/api/v1/shares",
        headers=h,
        json={
            "derived_id": str(c.item.id),
            "recipient_name": "x",
            "recipient_email": "x@y.z",
            "recipient_role": "court",
        },
    )
    assert r.status_code == 404 and r.json()["code"] == "DERIVED_NOT_FOUND"


def test_the_console_makes_lists_and_revokes_a_link(client, db):
    from tests.factories import make_account

    c = derived_copy(db)
    person = make_account(db, "records_officer")
    log_on(client, person)
    made = post_form(
        client,
        "/shares",
        "/shares",
        {
            "derived_id": str(c.item.id),
            "recipient_name": "Dee Defender",
            "recipient_email": "dee@pd.example",
            "recipient_role": "defence",
            "mode": "download",
            "expires_in_days": "7",
        },
    )
    assert made.status_code == 200 and "/shared/" in made.text and "this once" in made.text
    listing = client.get(f"/shares?derived={c.item.id}")
    assert "Dee Defender" in listing.text and "active" in listing.text
    share = db.scalar(select(Share).where(Share.recipient_name == "Dee Defender"))
    r = post_form(client, f"/shares?derived={c.item.id}", f"/shares/{share.id}/revoke", {"reason": "done"})
    assert r.status_code == 303
    assert "revoked" in client.get(f"/shares?derived={c.item.id}").text


def test_bwc_shares_create_list_revoke(shell_database):
    from openbwc.cli.main import app as cli_app
    from tests.conftest import app_session

    with app_session(shell_database) as s:
        c = derived_copy(s)
        item_id = str(c.item.id)
        s.commit()
    runner = CliRunner()
    made = runner.invoke(
        cli_app,
        [
            "shares",
            "create",
            item_id,
            "--to",
            "Pat",
            "--email",
            "pat@usao.example",
            "--role",
            "prosecutor",
            "--days",
            "3",
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    share = json.loads(made.output)
    assert share["url"].startswith("/shared/") and share["status"] == "active"
    listed = runner.invoke(cli_app, ["shares", "list", "--derived", item_id, "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output)["total"] == 1
    revoked = runner.invoke(cli_app, ["shares", "revoke", share["id"], "--reason", "plea"])
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(cli_app, ["shares", "revoke", share["id"], "--reason", "plea"])
    assert again.exit_code == 2 and "SHARE_ALREADY_REVOKED" in again.output
    bad = runner.invoke(cli_app, ["shares", "create", item_id, "--to", "P", "--email", "nope", "--role", "prosecutor"])
    assert bad.exit_code == 2 and "INVALID_EMAIL" in bad.output
