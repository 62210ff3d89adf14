"""The public transparency page and the console's custody pages."""

from __future__ import annotations

from openbwc.custody import repository
from tests.custody.conftest import append
from tests.factories import make_account
from tests.web_helpers import log_on


def test_transparency_page_is_public(client, db, interval):
    interval(0)
    append(db, 2)
    r = client.get("/transparency/ledger")
    assert r.status_code == 200, r.text
    latest = repository.latest_head(db)
    assert bytes(latest.root_hash).hex() in r.text
    assert "BEGIN PUBLIC KEY" in r.text and "openbwc-tree-head-v1" in r.text
    assert "Log off" not in r.text  # nobody is logged on, and nothing asks them to


def test_custody_pages_for_oversight(client, db):
    append(db, 2, prefix="EV-PAGE")
    person = make_account(db, "oversight")
    log_on(client, person)
    r = client.get("/custody", params={"action": "test:ledger:append"})
    assert r.status_code == 200, r.text
    assert "EV-PAGE-1" in r.text and "Chain-of-custody report" in r.text
    r = client.get("/custody/report", params={"evidence_id": "EV-PAGE-0"})
    assert r.status_code == 200, r.text
    assert "Chain of custody: EV-PAGE-0" in r.text and "Inclusion proofs" in r.text
    r = client.get("/custody/report", params={"evidence_id": "nothing"})
    assert r.status_code == 404


def test_custodians_get_reports_but_not_the_entry_list(client, db):
    append(db, 1, prefix="EV-CUST")
    log_on(client, make_account(db, "evidence_custodian"))
    r = client.get("/custody")
    assert r.status_code == 200 and "EV-CUST-0" not in r.text
    assert client.get("/custody/report", params={"evidence_id": "EV-CUST-0"}).status_code == 200
    log_on(client, make_account(db, "officer"))
    assert client.get("/custody").status_code == 403
