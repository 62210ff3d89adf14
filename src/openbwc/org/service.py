"""Agency rules: who belongs where, who supervises whom, who is BWC-trained.

A person is BWC-trained while a training record is unexpired; a record
expires one year after completion (POLICY.md PRO-2: annual refresher).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.org import repository as repo
from openbwc.org.models import PERSON_STATUSES, Division, Office, Person, PersonStatus, TrainingRecord, Unit

BWC_COURSE = "BWC-101 Body-worn camera operation and policy"
BADGE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")

# Phase 1 of the program (POLICY.md MET-1): the agency's reference data.
PHASE1_OFFICES = [
    ("BAL", "Baltimore", "Baltimore", "MD"),
    ("PHI", "Philadelphia", "Philadelphia", "PA"),
    ("WAS", "Washington", "Washington", "DC"),
    ("BUF", "Buffalo", "Buffalo", "NY"),
    ("DET", "Detroit", "Detroit", "MI"),
]
DIVISIONS = [("ERO", "Enforcement and Removal Operations"), ("HSI", "Homeland Security Investigations")]


def ensure_reference_data(session: Session) -> None:
    """Divisions and the five phase-1 field offices (idempotent)."""
    for code, name in DIVISIONS:
        if repo.division(session, code) is None:
            session.add(Division(code=code, name=name))
    for code, name, city, state in PHASE1_OFFICES:
        if repo.office(session, code) is None:
            session.add(Office(code=code, name=name, city=city, state=state))
    session.flush()


def require_office(session: Session, key: str) -> Office:
    office = repo.office_by_name_or_code(session, key)
    if office is None:
        known = ", ".join(f"{o.code} ({o.name})" for o in repo.offices(session))
        raise ValidationFailed(
            f"unknown office {key!r}; known offices: {known}", code="UNKNOWN_OFFICE", detail={"office": key}
        )
    return office


def require_division(session: Session, key: str) -> Division:
    division = repo.division(session, key.strip())
    if division is None:
        known = ", ".join(d.code for d in repo.divisions(session))
        raise ValidationFailed(
            f"unknown division {key!r}; known divisions: {known}", code="UNKNOWN_DIVISION", detail={"division": key}
        )
    return division


def get_person(session: Session, badge: str) -> Person:
    person = repo.person_by_badge(session, badge)
    if person is None:
        raise NotFound(f"no person with badge {badge!r}", code="PERSON_NOT_FOUND", detail={"badge": badge})
    return person


def normalise_badge(badge: str) -> str:
    value = badge.strip().upper()
    if not BADGE_RE.match(value):
        raise ValidationFailed(
            f"badge {badge!r} must be 2 to 20 letters, digits or hyphens", code="INVALID_BADGE", detail={"badge": badge}
        )
    return value


def ensure_unit(session: Session, office: Office, division: Division, name: str, *, create: bool = True) -> Unit:
    """The unit of that name in the office and division; a new one only when ``create``.

    A typo must not silently start a unit of one: without ``create`` an unknown name
    is refused, listing the units there are (a difference of case alone is no typo).
    """
    found = repo.unit(session, office.code, division.code, name)
    if found is None and not create:
        known = [u for u in repo.units(session, office.code) if u.division_code == division.code]
        same = [u for u in known if u.name.casefold() == name.casefold()]
        if same:
            return same[0]
        names = ", ".join(u.name for u in known) or "none yet"
        raise ValidationFailed(
            f"{office.name} {division.code} has no unit {name!r} (its units: {names}); "
            "to start a new unit, say so (new unit)",
            code="UNKNOWN_UNIT",
            detail={"field": "unit", "value": name, "units": [u.name for u in known]},
        )
    if found is None:
        found = Unit(office_code=office.code, division_code=division.code, name=name)
        session.add(found)
        session.flush()
    return found


def add_person(
    session: Session,
    actor: Actor,
    *,
    badge: str,
    name: str,
    division: str,
    office: str,
    unit: str | None = None,
    supervisor_badge: str | None = None,
    title: str = "Officer",
    new_unit: bool = False,
) -> Person:
    badge = normalise_badge(badge)
    if not name.strip() or len(name) > 200:
        raise ValidationFailed("name must be 1 to 200 characters", code="INVALID_NAME")
    off = require_office(session, office)
    div = require_division(session, division)
    if repo.person_by_badge(session, badge) is not None:
        raise Conflict(f"badge {badge} is already in use", code="DUPLICATE_BADGE", detail={"badge": badge})
    supervisor = None
    if supervisor_badge:
        supervisor = repo.person_by_badge(session, supervisor_badge.strip().upper())
        if supervisor is None:
            raise ValidationFailed(
                f"no supervisor with badge {supervisor_badge!r}",
                code="UNKNOWN_SUPERVISOR",
                detail={"supervisor": supervisor_badge},
            )
    unit_row = ensure_unit(session, off, div, unit.strip(), create=new_unit) if unit and unit.strip() else None
    person = Person(
        badge=badge,
        name=name.strip(),
        title=title,
        division_code=div.code,
        office_code=off.code,
        unit_id=unit_row.id if unit_row else None,
        supervisor_id=supervisor.id if supervisor else None,
        status=PersonStatus.ACTIVE,
    )
    session.add(person)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="org:person:create",
        object_type="person",
        object_id=badge,
        details={"office": off.code, "division": div.code, "supervisor": supervisor.badge if supervisor else None},
    )
    return person


def set_status(session: Session, actor: Actor, person: Person, status: str) -> None:
    if status not in PERSON_STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(PERSON_STATUSES)}", code="INVALID_STATUS")
    old, person.status = person.status, status
    custody.record(
        session,
        actor=actor,
        action="org:person:status",
        object_type="person",
        object_id=person.badge,
        details={"from": old, "to": status},
    )


def one_year_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def add_training(
    session: Session, actor: Actor, *, badge: str, completed_at: datetime, course: str = BWC_COURSE
) -> TrainingRecord:
    person = get_person(session, badge)
    if completed_at > utcnow():
        raise ValidationFailed("training cannot be completed in the future", code="INVALID_TIME")
    record = TrainingRecord(
        person_id=person.id,
        course=course.strip() or BWC_COURSE,
        completed_at=completed_at,
        expires_at=one_year_after(completed_at),
        recorded_by=actor.id,
    )
    session.add(record)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="org:training:record",
        object_type="person",
        object_id=person.badge,
        details={"course": record.course, "completed_at": completed_at.isoformat()},
    )
    return record


def is_trained(session: Session, person: Person, at: datetime | None = None) -> bool:
    return person.id in repo.trained_ids(session, [person.id], at or utcnow())


@dataclass(frozen=True)
class PersonView:
    person: Person
    office_name: str
    unit_name: str | None
    supervisor_badge: str | None
    trained: bool
    training_expires_at: datetime | None


def describe_people(session: Session, people: list[Person], at: datetime | None = None) -> list[PersonView]:
    """Join the names and training state the screens and JSON show, in a few queries."""
    at = at or utcnow()
    offices = {o.code: o.name for o in repo.offices(session)}
    units = {u.id: u.name for u in repo.units(session)}
    sup_ids = {p.supervisor_id for p in people if p.supervisor_id}
    sups = repo.people_by_ids(session, sup_ids)  # type: ignore[arg-type]
    expiry = repo.training_expiry(session, [p.id for p in people], at)
    views = []
    for p in people:
        views.append(
            PersonView(
                person=p,
                office_name=offices.get(p.office_code, p.office_code),
                unit_name=units.get(p.unit_id) if p.unit_id else None,
                supervisor_badge=sups[p.supervisor_id].badge if p.supervisor_id in sups else None,
                trained=p.id in expiry,
                training_expires_at=expiry.get(p.id),
            )
        )
    return views
