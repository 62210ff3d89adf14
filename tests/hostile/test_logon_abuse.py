"""Brute force against log-on: per account (the lockout) and spread over many accounts from one address."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from tests.factories import make_account
from tests.web_helpers import post_form


def _try(client, email, password):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", "/login", {"email": email, "password": password})


def test_guessing_across_accounts_from_one_address_is_rate_limited(app, client, db, settings):
    limit = settings.logon_failures_per_address
    people = [make_account(db, "officer") for _ in range(limit // 2 + 1)]
    # Two wrong passwords on each account: under each account's lockout, over the address's ceiling.
    failures = 0
    for person in people:
        for _ in range(2):
            if failures == limit:
                break
            r = _try(client, person.account.email, "wrong password!!")
            assert r.status_code == 401, r.text
            failures += 1
    for person in people:
        db.refresh(person.account)
        assert person.account.locked_until is None  # no account was locked: only the address is
    # The next try from that address waits, even with the right password of an untouched account.
    fresh = make_account(db, "officer")
    r = _try(client, fresh.account.email, fresh.password)
    assert r.status_code == 429 and "too many failed log-ons from this address" in r.text
    ledger = db.scalars(select(LedgerEntry).where(LedgerEntry.action == "identity:session:logon")).all()
    assert sum(1 for e in ledger if e.outcome == "failure") >= limit + 1
    # Another address is not held back by it.
    with TestClient(app, base_url="https://testserver", client=("198.51.100.7", 50000)) as other:
        r = _try(other, fresh.account.email, fresh.password)
        assert r.status_code == 303, r.text


def test_the_limiter_forgets_after_its_window():
    from openbwc.identity.sessions import AddressLimiter

    limiter = AddressLimiter(limit=2, window_s=0.2)
    limiter.failed("a")
    assert limiter.retry_after("a") is None
    limiter.failed("a")
    assert limiter.retry_after("a") is not None and limiter.retry_after("b") is None
    import time

    time.sleep(0.25)
    assert limiter.retry_after("a") is None
