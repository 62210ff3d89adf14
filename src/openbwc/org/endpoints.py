"""Agency API: offices, divisions, units, people, training."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.identity.permissions import IdentityPermissions
from openbwc.kit.errors import NotFound, ValidationFailed
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.time import ensure_utc, utcnow
from openbwc.org import accounts, service
from openbwc.org import repository as repo
from openbwc.org.models import Person
from openbwc.org.permissions import OrgPermissions
from openbwc.org.schemas import (
    AccountLinkIn,
    DivisionOut,
    LinkedAccountOut,
    OfficeOut,
    PersonAccountOut,
    PersonCreate,
    PersonOut,
    PersonStatusChange,
    TrainingCreate,
    TrainingOut,
    UnitOut,
)
from openbwc.web.http import DB, Caller, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["agency"])


def people_out(db: Session, people: list[Person]) -> list[PersonOut]:
    return [
        PersonOut(
            id=v.person.id,
            badge=v.person.badge,
            name=v.person.name,
            title=v.person.title,
            division=v.person.division_code,
            office=v.person.office_code,
            office_name=v.office_name,
            unit=v.unit_name,
            supervisor=v.supervisor_badge,
            status=v.person.status,
            bwc_trained=v.trained,
            training_expires_at=v.training_expires_at,
        )
        for v in service.describe_people(db, people)
    ]


@router.get("/offices", response_model=list[OfficeOut])
def list_offices(db: Session = DB, _: Caller = requires(OrgPermissions.OFFICES_READ)) -> list[OfficeOut]:
    return [OfficeOut.model_validate(o) for o in repo.offices(db)]


@router.get("/offices/{code}", response_model=OfficeOut)
def get_office(code: str, db: Session = DB, _: Caller = requires(OrgPermissions.OFFICES_READ)) -> OfficeOut:
    office = repo.office(db, code)
    if office is None:
        raise NotFound(f"no office {code!r}", code="OFFICE_NOT_FOUND")
    return OfficeOut.model_validate(office)


@router.get("/divisions", response_model=list[DivisionOut])
def list_divisions(db: Session = DB, _: Caller = requires(OrgPermissions.OFFICES_READ)) -> list[DivisionOut]:
    return [DivisionOut.model_validate(d) for d in repo.divisions(db)]


@router.get("/units", response_model=list[UnitOut])
def list_units(
    office: str | None = None, db: Session = DB, _: Caller = requires(OrgPermissions.OFFICES_READ)
) -> list[UnitOut]:
    return [UnitOut.model_validate(u) for u in repo.units(db, office.upper() if office else None)]


@router.get("/people", response_model=Page[PersonOut])
def list_people(
    db: Session = DB,
    _: Caller = requires(OrgPermissions.PEOPLE_READ),
    office: str | None = None,
    division: str | None = None,
    status: str | None = None,
    q: str | None = Query(None, max_length=100),
    trained: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PersonOut]:
    rows, total = repo.list_people(
        db,
        limit=limit,
        offset=offset,
        office_code=service.require_office(db, office).code if office else None,
        division_code=service.require_division(db, division).code if division else None,
        status=status,
        search=q,
        trained=trained,
        trained_at=utcnow(),
    )
    return Page(items=people_out(db, list(rows)), total=total, limit=limit, offset=offset)


@router.post("/people", response_model=PersonOut, status_code=201)
def add_person(
    body: PersonCreate, request: Request, db: Session = DB, caller: Caller = requires(OrgPermissions.PEOPLE_WRITE)
) -> PersonOut:
    person = service.add_person(
        db,
        actor_of(request, caller),
        badge=body.badge,
        name=body.name,
        division=body.division,
        office=body.office,
        unit=body.unit,
        supervisor_badge=body.supervisor,
        title=body.title,
        new_unit=body.new_unit,
    )
    return people_out(db, [person])[0]


@router.get("/people/{badge}", response_model=PersonOut)
def get_person(badge: str, db: Session = DB, _: Caller = requires(OrgPermissions.PEOPLE_READ)) -> PersonOut:
    return people_out(db, [service.get_person(db, badge)])[0]


def _link_out(link: accounts.Link) -> PersonAccountOut:
    account = None if link.account is None else LinkedAccountOut(
        email=link.account.email, display_name=link.account.display_name
    )
    return PersonAccountOut(badge=link.person.badge, name=link.person.name, account=account)


@router.get("/people/{badge}/account", response_model=PersonAccountOut)
def get_person_account(
    badge: str, db: Session = DB, _: Caller = requires(IdentityPermissions.ACCOUNTS_READ)
) -> PersonAccountOut:
    """The account that logs on as this person, if any."""
    person = service.get_person(db, badge)
    return _link_out(accounts.Link(person, accounts.account_of(db, person)))


@router.put("/people/{badge}/account", response_model=PersonAccountOut)
def link_person_account(
    badge: str,
    body: AccountLinkIn,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(IdentityPermissions.ACCOUNTS_WRITE),
) -> PersonAccountOut:
    """Give the person this account: it then sees what they may see (their footage, their people's)."""
    return _link_out(accounts.link_by_email(db, actor_of(request, caller), badge, body.email))


@router.delete("/people/{badge}/account", response_model=PersonAccountOut)
def unlink_person_account(
    badge: str, request: Request, db: Session = DB, caller: Caller = requires(IdentityPermissions.ACCOUNTS_WRITE)
) -> PersonAccountOut:
    """Take the account away from the person (the account itself stays)."""
    return _link_out(accounts.unlink(db, actor_of(request, caller), badge))


@router.post("/people/{badge}/status", response_model=PersonOut)
def change_status(
    badge: str,
    body: PersonStatusChange,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(OrgPermissions.PEOPLE_WRITE),
) -> PersonOut:
    person = service.get_person(db, badge)
    service.set_status(db, actor_of(request, caller), person, body.status)
    return people_out(db, [person])[0]


@router.get("/people/{badge}/training", response_model=list[TrainingOut])
def list_training(
    badge: str, db: Session = DB, _: Caller = requires(OrgPermissions.TRAINING_READ)
) -> list[TrainingOut]:
    person = service.get_person(db, badge)
    return [TrainingOut.model_validate(t) for t in repo.training_of(db, person.id)]


@router.post("/people/{badge}/training", response_model=TrainingOut, status_code=201)
def add_training(
    badge: str,
    body: TrainingCreate,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(OrgPermissions.TRAINING_WRITE),
) -> TrainingOut:
    if body.completed_at.tzinfo is None:
        raise ValidationFailed("completed_at needs a time zone (e.g. 2024-03-01T00:00:00Z)", code="INVALID_TIME")
    record = service.add_training(
        db,
        actor_of(request, caller),
        badge=badge,
        completed_at=ensure_utc(body.completed_at),
        course=body.course or service.BWC_COURSE,
    )
    return TrainingOut.model_validate(record)
