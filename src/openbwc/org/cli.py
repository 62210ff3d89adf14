"""`bwc org ...`: offices, people and training."""

from __future__ import annotations

import typer

from openbwc.custody.actor import cli_actor
from openbwc.kit.time import parse_instant, utcnow
from openbwc.org import accounts, service
from openbwc.org import repository as repo
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

app = typer.Typer(help="The agency: offices, people, training.", no_args_is_help=True)
offices_app = typer.Typer(help="Field offices.", no_args_is_help=True)
people_app = typer.Typer(help="Officers, investigators and staff.", no_args_is_help=True)
training_app = typer.Typer(help="BWC training records.", no_args_is_help=True)
app.add_typer(offices_app, name="offices")
app.add_typer(people_app, name="people")
app.add_typer(training_app, name="training")


def _person_dict(v: service.PersonView) -> dict:
    p = v.person
    return {
        "badge": p.badge,
        "name": p.name,
        "title": p.title,
        "division": p.division_code,
        "office": p.office_code,
        "unit": v.unit_name,
        "supervisor": v.supervisor_badge,
        "status": p.status,
        "bwc_trained": v.trained,
        "training_expires_at": v.training_expires_at,
    }


@offices_app.command("list")
@handle_errors
def offices_list(json_out: bool = JSON_OPTION) -> None:
    """List field offices with head counts."""
    with session_scope() as db:
        counts: dict[str, list[int]] = {}
        for office, _div, n, t in repo.office_counts(db, utcnow()):
            c = counts.setdefault(office, [0, 0])
            c[0] += n
            c[1] += t
        data = [
            {
                "code": o.code,
                "name": o.name,
                "city": o.city,
                "state": o.state,
                "people": counts.get(o.code, [0, 0])[0],
                "trained": counts.get(o.code, [0, 0])[1],
            }
            for o in repo.offices(db)
        ]
    if json_out:
        print_json(data)
    else:
        print_table(
            "field offices", ["code", "name", "city", "state", "people", "trained"], [tuple(d.values()) for d in data]
        )


@people_app.command("add")
@handle_errors
def people_add(
    badge: str = typer.Option(..., "--badge"),
    name: str = typer.Option(..., "--name"),
    division: str = typer.Option(..., "--division", help="ERO or HSI"),
    office: str = typer.Option(..., "--office", help="Office code or name"),
    unit: str = typer.Option(None, "--unit", help="An existing unit of the office and division"),
    new_unit: bool = typer.Option(False, "--new-unit", help="Start the unit named by --unit if there is none"),
    supervisor: str = typer.Option(None, "--supervisor", help="Supervisor's badge"),
    title: str = typer.Option("Officer", "--title"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Add a person."""
    with session_scope() as db:
        person = service.add_person(
            db,
            cli_actor(),
            badge=badge,
            name=name,
            division=division,
            office=office,
            unit=unit,
            supervisor_badge=supervisor,
            title=title,
            new_unit=new_unit,
        )
        data = _person_dict(service.describe_people(db, [person])[0])
    if json_out:
        print_json(data)
    else:
        typer.echo(f"added {data['badge']} {data['name']} ({data['division']}, {data['office']})")


@people_app.command("link")
@handle_errors
def people_link(
    badge: str = typer.Argument(..., help="The person's badge"),
    email: str = typer.Argument(..., help="The log-on email of their account"),
) -> None:
    """Link an account to a person: it then sees their footage (and their people's, for a supervisor)."""
    with session_scope() as db:
        link = accounts.link_by_email(db, cli_actor(), badge, email)
        out = f"{link.account.email if link.account else email} now logs on as {link.person.name} ({link.person.badge})"
    typer.echo(out)


@people_app.command("unlink")
@handle_errors
def people_unlink(badge: str = typer.Argument(..., help="The person's badge")) -> None:
    """Take a person's account away from them (the account itself stays)."""
    with session_scope() as db:
        link = accounts.unlink(db, cli_actor(), badge)
        out = f"{link.person.name} ({link.person.badge}) has no account now"
    typer.echo(out)


@people_app.command("list")
@handle_errors
def people_list(
    office: str = typer.Option(None, "--office"),
    division: str = typer.Option(None, "--division"),
    search: str = typer.Option(None, "--search"),
    untrained: bool = typer.Option(False, "--untrained", help="Only people without current BWC training."),
    limit: int = typer.Option(100, "--limit", min=1, max=100000),
    json_out: bool = JSON_OPTION,
) -> None:
    """List people."""
    with session_scope() as db:
        rows, total = repo.list_people(
            db,
            limit=limit,
            offset=0,
            office_code=service.require_office(db, office).code if office else None,
            division_code=service.require_division(db, division).code if division else None,
            search=search,
            trained=False if untrained else None,
            trained_at=utcnow(),
        )
        data = [_person_dict(v) for v in service.describe_people(db, list(rows))]
    if json_out:
        print_json(data)
    else:
        print_table(
            f"{total} people (showing {len(data)})",
            ["badge", "name", "division", "office", "unit", "supervisor", "status", "trained until"],
            [
                (
                    d["badge"],
                    d["name"],
                    d["division"],
                    d["office"],
                    d["unit"],
                    d["supervisor"],
                    d["status"],
                    d["training_expires_at"].date() if d["training_expires_at"] else "not current",
                )
                for d in data
            ],
        )


@training_app.command("add")
@handle_errors
def training_add(
    badge: str = typer.Option(..., "--badge"),
    completed_at: str = typer.Option(..., "--completed-at", help="ISO date or time, e.g. 2026-03-01"),
    course: str = typer.Option(service.BWC_COURSE, "--course"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Record a completed BWC training course (valid one year)."""
    with session_scope() as db:
        rec = service.add_training(
            db,
            cli_actor(),
            badge=badge,
            completed_at=parse_instant(completed_at, field="--completed-at"),
            course=course,
        )
        data = {
            "badge": badge.upper(),
            "course": rec.course,
            "completed_at": rec.completed_at,
            "expires_at": rec.expires_at,
        }
    if json_out:
        print_json(data)
    else:
        typer.echo(f"recorded training for {data['badge']}, valid until {rec.expires_at.date()}")


@training_app.command("list")
@handle_errors
def training_list(badge: str = typer.Option(..., "--badge"), json_out: bool = JSON_OPTION) -> None:
    """A person's training records."""
    with session_scope() as db:
        person = service.get_person(db, badge)
        data = [
            {"course": t.course, "completed_at": t.completed_at, "expires_at": t.expires_at}
            for t in repo.training_of(db, person.id)
        ]
    if json_out:
        print_json(data)
    else:
        print_table(
            f"training of {badge}",
            ["course", "completed", "expires"],
            [(d["course"], d["completed_at"], d["expires_at"]) for d in data],
        )
