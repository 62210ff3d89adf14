from openbwc.org import repository as org_repo


def test_reference_data(db):
    assert [o.code for o in org_repo.offices(db)] == ["BAL", "BUF", "DET", "PHI", "WAS"]


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
