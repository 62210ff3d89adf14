"""One role reaching another's data through a listing: every GET list of the API, called by an
officer, a supervisor and a custodian, never names a row they may not see.

The world is the existence-oracle walk's: the caller's own recording (with a row of each
kind), another officer's, and a sealed one of the caller's. Every id of the hidden ones
(recording, redaction, derived item, job, review assignment) must be absent from every
listing's whole answer, whatever the listing is.
"""

from __future__ import annotations

import pytest

from openbwc.web.http import api_routes, declared_permission
from tests.factories import bearer
from tests.test_existence_oracle_walk import world  # noqa: F401 - the fixture


def _listings(app) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for path, route in api_routes(app):
        if "GET" not in route.methods or route.dependant.path_params or not path.startswith("/api/"):
            continue
        if declared_permission(route)[1] is None:
            continue  # public: health, discovery
        out.append(path)
    return sorted(out)


@pytest.mark.parametrize("who", ["officer", "supervisor", "custodian"])
def test_no_listing_names_a_row_the_caller_may_not_see(app, client, db, world, who):  # noqa: F811
    person = {"officer": world.off, "supervisor": world.sup, "custodian": world.custodian}[who]
    headers = bearer(db, person.account)
    hidden = [world.sealed] if who == "custodian" else [world.others, world.sealed]
    secret = {kind: value for rows in hidden for kind, value in rows.ids.items()}
    listings = _listings(app)
    assert len(listings) >= 15, listings
    leaks, answered, own_seen = [], 0, False
    for path in listings:
        r = client.get(path, headers=headers, params={"limit": 200})
        assert r.status_code < 500, f"{path}: {r.status_code} {r.text[:300]}"
        if r.status_code == 200:
            answered += 1
        own_seen = own_seen or world.own.ids["recording"] in r.text
        for kind, value in secret.items():
            if value in r.text:
                leaks.append(f"{path} names a hidden {kind} {value}")
    assert not leaks, f"{who}:\n" + "\n".join(leaks)
    assert answered >= 5, answered  # not vacuous: the caller is served listings
    assert own_seen, "no listing showed the caller's own recording: the walk would see nothing"
