"""Console pages for the agency: home, offices, people, training."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.identity.permissions import IdentityPermissions
from openbwc.identity.service import Principal
from openbwc.kit.errors import DomainError
from openbwc.kit.pagination import PageNumber
from openbwc.kit.time import parse_instant, utcnow
from openbwc.org import accounts, service
from openbwc.org import repository as repo
from openbwc.org.models import PersonStatus
from openbwc.org.permissions import OrgPermissions
from openbwc.web.console import render
from openbwc.web.forms import form_errors
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, db: Session = DB, caller: Principal = requires(IdentityPermissions.SELF_READ)) -> Response:
    offices = repo.offices(db) if caller.can(OrgPermissions.OFFICES_READ) else []
    counts = repo.office_counts(db, utcnow()) if caller.can(OrgPermissions.PEOPLE_READ) else []
    totals = {"people": sum(c[2] for c in counts), "trained": sum(c[3] for c in counts)}
    return render(request, "home.html", {"offices": offices, "counts": counts, "totals": totals})


@router.get("/offices")
def offices_page(request: Request, db: Session = DB, _: Principal = requires(OrgPermissions.OFFICES_READ)) -> Response:
    counts = {(o, d): (n, t) for o, d, n, t in repo.office_counts(db, utcnow())}
    rows = []
    for office in repo.offices(db):
        per_div = {d.code: counts.get((office.code, d.code), (0, 0)) for d in repo.divisions(db)}
        rows.append({"office": office, "per_div": per_div, "units": [u for u in repo.units(db, office.code)]})
    return render(request, "offices.html", {"rows": rows, "divisions": repo.divisions(db)})


@router.get("/people")
def people_page(
    request: Request,
    db: Session = DB,
    _: Principal = requires(OrgPermissions.PEOPLE_READ),
    office: str | None = None,
    division: str | None = None,
    q: str | None = Query(None, max_length=100),
    trained: str | None = None,
    page: PageNumber = 1,
) -> Response:
    return _people(request, db, office=office, division=division, q=q, trained=trained, page=page)


def _people(  # type: ignore[no-untyped-def]
    request: Request,
    db: Session,
    *,
    office: str | None = None,
    division: str | None = None,
    q: str | None = None,
    trained: str | None = None,
    page: int = 1,
    form=None,
    errors=None,
    status_code: int = 200,
) -> Response:
    trained_flag = {"yes": True, "no": False}.get(trained or "")
    listing = list_page(
        request,
        lambda limit, offset, _sort: repo.list_people(
            db,
            limit=limit,
            offset=offset,
            office_code=office or None,
            division_code=division or None,
            search=q or None,
            trained=trained_flag,
            trained_at=utcnow(),
        ),
        page=page,
        filters={"office": office, "division": division, "q": q, "trained": trained},
    )
    return render(
        request,
        "people.html",
        {
            "listing": listing,
            "people": service.describe_people(db, list(listing.items)),
            "offices": repo.offices(db),
            "divisions": repo.divisions(db),
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.post("/people")
def people_add(
    request: Request,
    badge: str = Form(..., max_length=40),
    name: str = Form(..., max_length=200),
    division: str = Form(...),
    office: str = Form(...),
    unit: str = Form("", max_length=120),
    new_unit: bool = Form(False),
    supervisor: str = Form("", max_length=40),
    db: Session = DB,
    caller: Principal = requires(OrgPermissions.PEOPLE_WRITE),
) -> Response:
    try:
        person = service.add_person(
            db,
            actor_of(request, caller),
            badge=badge,
            name=name,
            division=division,
            office=office,
            unit=unit or None,
            supervisor_badge=supervisor or None,
            new_unit=new_unit,
        )
    except DomainError as exc:
        # The list comes back with the form as typed and the reason beside its field.
        form = {"badge": badge, "name": name, "division": division, "office": office, "unit": unit,
                "new_unit": new_unit, "supervisor": supervisor}
        return _people(request, db, form=form, errors=form_errors(exc, PERSON_FIELDS), status_code=exc.status)
    return RedirectResponse(f"/people/{person.badge}", status_code=303)


# Which field of the "Add a person" form each refusal is about.
PERSON_FIELDS = {
    "INVALID_BADGE": "badge",
    "DUPLICATE_BADGE": "badge",
    "INVALID_NAME": "name",
    "UNKNOWN_OFFICE": "office",
    "UNKNOWN_DIVISION": "division",
    "UNKNOWN_SUPERVISOR": "supervisor",
    "UNKNOWN_UNIT": "unit",
}


@router.get("/people/{badge}")
def person_page(
    badge: str, request: Request, db: Session = DB, _: Principal = requires(OrgPermissions.PEOPLE_READ)
) -> Response:
    return _person(request, db, service.get_person(db, badge))


def _person(request: Request, db: Session, person, status: int = 200, **extra) -> Response:  # type: ignore[no-untyped-def]
    view = service.describe_people(db, [person])[0]
    context = {
        "v": view,
        "training": repo.training_of(db, person.id),
        "now": utcnow(),
        "account": accounts.account_of(db, person),
        "link_error": None,
        "link_email": "",
        **extra,
    }
    return render(request, "person.html", context, status_code=status)


@router.post("/people/{badge}/account")
def person_link_account(
    badge: str,
    request: Request,
    email: str = Form("", max_length=254),
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.ACCOUNTS_WRITE),
) -> Response:
    person = service.get_person(db, badge)
    try:
        accounts.link_by_email(db, actor_of(request, caller), person.badge, email)
    except DomainError as exc:
        # Nothing was changed: the form comes back with the email kept and the reason beside it.
        return _person(request, db, person, exc.status, link_error=exc.message, link_email=email)
    return RedirectResponse(f"/people/{person.badge}", status_code=303)


@router.post("/people/{badge}/account/unlink")
def person_unlink_account(
    badge: str, request: Request, db: Session = DB, caller: Principal = requires(IdentityPermissions.ACCOUNTS_WRITE)
) -> Response:
    person = service.get_person(db, badge)
    try:
        accounts.unlink(db, actor_of(request, caller), person.badge)
    except DomainError as exc:
        return _person(request, db, person, exc.status, link_error=exc.message)
    return RedirectResponse(f"/people/{person.badge}", status_code=303)


@router.post("/people/{badge}/training")
def person_add_training(
    badge: str,
    request: Request,
    completed_on: str = Form(..., max_length=40),
    course: str = Form("", max_length=120),
    db: Session = DB,
    caller: Principal = requires(OrgPermissions.TRAINING_WRITE),
) -> Response:
    service.add_training(
        db,
        actor_of(request, caller),
        badge=badge,
        completed_at=parse_instant(completed_on, field="completed on"),
        course=course or service.BWC_COURSE,
    )
    return RedirectResponse(f"/people/{badge}", status_code=303)


@router.get("/training")
def training_page(
    request: Request, db: Session = DB, _: Principal = requires(OrgPermissions.TRAINING_READ), page: PageNumber = 1
) -> Response:
    now = utcnow()
    # The untrained, a page at a time with the one pager; the refresher list stays short (30 days).
    listing = list_page(
        request,
        lambda limit, offset, _sort: repo.list_people(
            db, limit=limit, offset=offset, status=PersonStatus.ACTIVE, trained=False, trained_at=now
        ),
        page=page,
    )
    untrained, total_untrained = listing.items, listing.total
    soon = now + timedelta(days=30)
    # Trained now but not any more in 30 days: due for the annual refresher.
    due = list(repo.due_for_refresher(db, now, soon))
    return render(
        request,
        "training.html",
        {
            "untrained": service.describe_people(db, list(untrained)),
            "total_untrained": total_untrained,
            "listing": listing,
            "due": service.describe_people(db, due),
            "counts": repo.office_counts(db, now),
        },
    )
