"""Seed the phase-1 agency: five field offices, ERO and HSI, about 1,600 officers.

Deterministic (a fixed random seed: the same people every time) and idempotent
(running it again adds nothing). Training dates are relative to today so that
the demo always shows a mix of current, soon-due and expired training.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.identity import duties
from openbwc.identity import repository as identity_repo
from openbwc.identity import service as identity
from openbwc.identity.models import Account
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.org import service as org
from openbwc.org.models import Person, PersonStatus, TrainingRecord, Unit

SEED = 20240312  # the week ICE announced the first 1,600 cameras
DEMO_ACTOR = Actor(id="system:demo", name="demo seed")

# Officers per office (sums to 1,600) and the ERO share in each.
OFFICERS = {"BAL": 300, "PHI": 340, "WAS": 380, "BUF": 250, "DET": 330}
ERO_SHARE = 0.6
TEAM_SIZE = 8

FIRST = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Patricia",
    "David",
    "Jennifer",
    "William",
    "Elizabeth",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Jose",
    "Ashley",
    "Kevin",
    "Emily",
    "Brian",
    "Kimberly",
    "Luis",
    "Michelle",
    "Juan",
    "Amanda",
    "Kenji",
    "Ana",
    "Omar",
    "Fatima",
    "Andre",
    "Grace",
    "Samuel",
    "Rosa",
    "Tyrone",
    "Mei",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Kowalski",
    "Okafor",
    "Haddad",
    "Novak",
    "Sato",
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    password: str
    totp_secret: str
    badge: str | None = None


def _secret(email: str) -> str:
    return base64.b32encode(hashlib.sha256(f"openbwc-demo:{email}".encode()).digest()[:20]).decode()


DEMO_ACCOUNTS = [
    DemoAccount("admin@demo.openbwc.org", "Alex Admin", "admin", "demo-admin-pass", _secret("admin")),
    DemoAccount("manager@demo.openbwc.org", "Pat Program", "program_manager", "demo-manager-pass", _secret("pm")),
    DemoAccount(
        "custodian@demo.openbwc.org",
        "Casey Custodian",
        "evidence_custodian",
        "demo-custodian-pass",
        _secret("custodian"),
    ),
    DemoAccount(
        "records@demo.openbwc.org", "Robin Records", "records_officer", "demo-records-pass", _secret("records")
    ),
    DemoAccount("oig@demo.openbwc.org", "Morgan Inspector", "oversight", "demo-oversight-pass", _secret("oig")),
    DemoAccount("crcl@demo.openbwc.org", "Jordan CivilRights", "oversight", "demo-civilrights-pass", _secret("crcl")),
    DemoAccount("supervisor@demo.openbwc.org", "", "supervisor", "demo-supervisor-pass", _secret("sup"), "S30001"),
    DemoAccount("officer@demo.openbwc.org", "", "officer", "demo-officer-pass", _secret("officer"), "E10001"),
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def seed_people(session: Session) -> int:
    """Create units, supervisors, officers and training. Returns people created."""
    if org_repo.person_by_badge(session, "E10001") is not None:
        return 0
    rng = random.Random(SEED)
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    offices = {o.code: o for o in org_repo.offices(session)}
    divisions = {d.code: d for d in org_repo.divisions(session)}
    counters = {"E": 10001, "H": 20001, "S": 30001}
    people: list[Person] = []
    training: list[TrainingRecord] = []

    def badge(prefix: str) -> str:
        value = f"{prefix}{counters[prefix]}"
        counters[prefix] += 1
        return value

    def train(person: Person) -> None:
        roll = rng.random()
        if roll < 0.03:
            return  # never trained
        if roll < 0.09:
            days_ago = rng.randint(370, 540)  # expired: the annual refresher was missed
        elif roll < 0.14:
            days_ago = rng.randint(340, 362)  # due within the month
        else:
            days_ago = rng.randint(20, 330)
        done = today - timedelta(days=days_ago)
        training.append(
            TrainingRecord(
                person_id=person.id,
                course=org.BWC_COURSE,
                completed_at=done,
                expires_at=org.one_year_after(done),
                recorded_by=DEMO_ACTOR.id,
            )
        )

    for code, total in OFFICERS.items():
        office = offices[code]
        split = {"ERO": round(total * ERO_SHARE), "HSI": total - round(total * ERO_SHARE)}
        for div_code, count in split.items():
            div = divisions[div_code]
            teams = -(-count // TEAM_SIZE)
            for t in range(teams):
                label = f"Fugitive Operations Team {t + 1}" if div_code == "ERO" else f"Group {t + 1}"
                unit = Unit(office_code=office.code, division_code=div.code, name=label)
                session.add(unit)
                session.flush()
                sup = Person(
                    badge=badge("S"),
                    name=_name(rng),
                    division_code=div.code,
                    office_code=office.code,
                    unit_id=unit.id,
                    status=PersonStatus.ACTIVE,
                    title="Supervisory Deportation Officer" if div_code == "ERO" else "Group Supervisor",
                )
                session.add(sup)
                session.flush()
                people.append(sup)
                train(sup)
                size = min(TEAM_SIZE, count - t * TEAM_SIZE)
                for _ in range(size):
                    officer = Person(
                        badge=badge("E" if div_code == "ERO" else "H"),
                        name=_name(rng),
                        division_code=div.code,
                        office_code=office.code,
                        unit_id=unit.id,
                        supervisor_id=sup.id,
                        status=PersonStatus.ON_LEAVE if rng.random() < 0.01 else PersonStatus.ACTIVE,
                        title="Deportation Officer" if div_code == "ERO" else "Special Agent",
                    )
                    session.add(officer)
                    people.append(officer)
        session.flush()
    for p in people:
        if p.title not in ("Supervisory Deportation Officer", "Group Supervisor"):
            train(p)
    session.add_all(training)
    session.flush()
    # One ledger entry for the whole import, with a digest of what was imported.
    digest = hashlib.sha256("\n".join(sorted(p.badge for p in people)).encode()).hexdigest()
    custody.record(
        session,
        actor=DEMO_ACTOR,
        action="org:people:import",
        object_type="agency",
        object_id="demo",
        details={"people": len(people), "training_records": len(training), "badges_sha256": digest},
    )
    return len(people)


def seed_accounts(session: Session) -> list[DemoAccount]:
    out = []
    for demo in DEMO_ACCOUNTS:
        name = demo.name
        person = org_repo.person_by_badge(session, demo.badge) if demo.badge else None
        if person is not None:
            name = person.name
        account: Account | None = identity_repo.account_by_email(session, demo.email)
        if account is None:
            account = identity.create_account(
                session,
                DEMO_ACTOR,
                email=demo.email,
                display_name=name,
                roles=[demo.role],
                password=demo.password,
                # Seeding the demo (oversight accounts included) is the platform's own setup.
                authority=duties.PLATFORM,
            )
        if not account.totp_enabled:
            # `bwc init` made the demo's admin before the seed (no MFA yet): give it the printed secret.
            account.totp_secret = demo.totp_secret
            account.totp_enabled = True
        if person is not None and person.account_id is None:
            person.account_id = account.id
        session.flush()
        out.append(DemoAccount(demo.email, name, demo.role, demo.password, demo.totp_secret, demo.badge))
    return out


def seed(session: Session) -> tuple[int, list[DemoAccount]]:
    created = seed_people(session)
    return created, seed_accounts(session)
