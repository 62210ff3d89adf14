from sqlalchemy import func, select

from openbwc.demo import agency
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person, Unit


def test_demo_agency_is_deterministic_and_idempotent(db):
    created, accounts = agency.seed(db)
    assert 1750 <= created <= 1850
    officers = db.scalar(select(func.count(Person.id)).where(Person.supervisor_id.is_not(None)))
    assert officers == 1600
    assert {a.role for a in accounts} >= {
        "admin",
        "supervisor",
        "officer",
        "evidence_custodian",
        "records_officer",
        "oversight",
        "program_manager",
    }
    counts = org_repo.office_counts(db, utcnow())
    assert {(o, d) for o, d, _n, _t in counts} == {(o, d) for o in agency.OFFICERS for d in ("ERO", "HSI")}
    people = sum(n for *_x, n, _t in counts)
    trained = sum(t for *_x, t in counts)
    assert 0.80 < trained / people < 0.95  # some never trained, some expired
    units = db.scalar(select(func.count(Unit.id)))
    again, _ = agency.seed(db)
    assert again == 0 and db.scalar(select(func.count(Unit.id))) == units
    # Same seed, same people, on every machine.
    first = [p.name for p in db.scalars(select(Person).order_by(Person.badge).limit(3))]
    assert first == ["Michael Martin", "Linda Smith", "David Mitchell"]
    officer = org_repo.person_by_badge(db, "E10001")
    assert officer is not None and officer.account_id is not None
