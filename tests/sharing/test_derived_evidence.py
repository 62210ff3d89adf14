"""Derived items are evidence: shown, played (ranges), downloaded and exported by whoever may see the original."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.policy import seals
from tests.factories import TEST_ACTOR, bearer, role_headers
from tests.sharing.helpers import derived_copy
from tests.web_helpers import log_on


def _actions(db, after: int) -> list[str]:
    db.expire_all()
    return [e.action for e in db.scalars(select(LedgerEntry).where(LedgerEntry.seq > after).order_by(LedgerEntry.seq))]


def _seq(db) -> int:
    return db.scalar(select(func.max(LedgerEntry.seq))) or 0


def test_the_original_s_viewers_show_play_download_and_export_a_derived_item(client, db):
    c = derived_copy(db)
    h = bearer(db, c.officer.account)
    url = f"/api/v1/derived/{c.item.id}"
    before = _seq(db)
    d = client.get(url, headers=h)
    assert d.status_code == 200, d.text
    body = d.json()
    assert body["made_by"] == "Rae Records" and body["original"]["officer_name"] == "Dana Whitfield"
    assert body["original"]["recording_id"] == str(c.rec.id) and body["sha256"] == c.item.sha256
    assert body["log"]["faces"]["kept_unredacted"] == [2]
    # Played with ranges: one ledger entry per playback.
    first = client.get(url + "/play", headers={**h, "Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == c.data[:100]
    later = client.get(url + "/play", headers={**h, "Range": "bytes=1000-1999"})
    assert later.status_code == 206 and later.content == c.data[1000:2000]
    whole = client.get(url + "/download", headers=h)
    assert whole.status_code == 200 and whole.content == c.data
    assert "attachment" in whole.headers["content-disposition"]
    z = client.get(url + "/export", headers=h)
    assert z.status_code == 200, z.text
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        names = set(zf.namelist())
        assert {"derived.json", "custody.json", f"redaction-{c.item.id}.mp4"} <= names
        assert zf.read(f"redaction-{c.item.id}.mp4") == c.data
        reports = json.loads(zf.read("custody.json"))
    assert reports["derived"]["entries"] and reports["original"]["entries"]
    acts = _actions(db, before)
    assert acts.count("media:derived:play") == 1
    for action in ("media:derived:read", "media:derived:download", "media:derived:export"):
        assert action in acts, acts
    # The supervisor of the officer sees it too; a custodian (every recording) too.
    assert client.get(url, headers=bearer(db, c.supervisor.account)).status_code == 200
    assert client.get(url, headers=role_headers(db, "evidence_custodian")).status_code == 200


def test_a_derived_item_of_hidden_footage_answers_as_a_missing_one(client, db):
    c = derived_copy(db)
    stranger = role_headers(db, "officer")
    import uuid

    for tail in ("", "/play", "/download", "/export"):
        hidden = client.get(f"/api/v1/derived/{c.item.id}{tail}", headers=stranger)
        missing_id = uuid.uuid4()
        missing = client.get(f"/api/v1/derived/{missing_id}{tail}", headers=stranger)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["code"] == missing.json()["code"] == "DERIVED_NOT_FOUND"
        assert hidden.json()["message"].replace(str(c.item.id), "X") == missing.json()["message"].replace(
            str(missing_id), "X"
        )
    # A sealed original: its copies are oversight's alone.
    seals.seal(db, TEST_ACTOR, c.rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    db.flush()
    assert client.get(f"/api/v1/derived/{c.item.id}", headers=bearer(db, c.officer.account)).status_code == 404
    assert client.get(f"/api/v1/derived/{c.item.id}", headers=role_headers(db, "oversight")).status_code == 200


def test_the_console_page_shows_the_original_log_and_maker_by_name(client, db):
    c = derived_copy(db)
    person = c.officer
    log_on(client, person)
    r = client.get(f"/derived/{c.item.id}")
    assert r.status_code == 200, r.text
    for text in ("Rae Records", "Dana Whitfield", str(c.rec.id), c.item.sha256, "/play", "/export"):
        assert text in r.text
    assert str(c.supervisor.account.id) not in r.text  # names, not account ids
    ev = client.get(f"/evidence/{c.rec.id}")
    assert f"/derived/{c.item.id}" in ev.text


def test_bwc_derived_show_and_export(shell_database, tmp_path):
    from openbwc.cli.main import app as cli_app
    from tests.conftest import app_session

    with app_session(shell_database) as s:
        c = derived_copy(s)
        s.commit()
        item_id = str(c.item.id)
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["derived", "show", item_id, "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["made_by"] == "Rae Records"
    out = tmp_path / "out"
    done = runner.invoke(cli_app, ["derived", "export", item_id, str(out)])
    assert done.exit_code == 0, done.output
    assert (out / f"redaction-{item_id}.mp4").read_bytes() == c.data
    assert json.loads((out / "custody.json").read_text())["derived"]["entries"]
    missing = runner.invoke(cli_app, ["derived", "show", "00000000-0000-0000-0000-000000000000"])
    assert missing.exit_code == 2 and "DERIVED_NOT_FOUND" in missing.output
