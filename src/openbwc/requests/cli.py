"""`bwc requests ...`: the records office's workflow from the command line, ``--json`` everywhere.

The operator is ``cli:<os user>`` in the ledger: a release prepared from one shell
account cannot be approved from the same one (TWO_PERSON_REQUIRED, exit status 2).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import typer

from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.kit.pagination import MAX_OFFSET
from openbwc.kit.time import parse_instant
from openbwc.requests import metrics, portal, releases, service
from openbwc.requests.schemas import CandidateOut, ReleaseOut, RequestOut
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, say, session_scope

app = typer.Typer(help="Access and release requests: queue, workflow, releases, packages.", no_args_is_help=True)


def _release(db: Any, rel: Any) -> dict[str, Any]:
    req = releases.request_of(db, rel)
    return ReleaseOut.of(rel, list(releases.repo.items_of(db, rel.id)), req.code).model_dump(mode="json")


def _show(db: Any, code: str) -> dict[str, Any]:
    actor = cli_actor()
    # The server's operator works requests as the records office does, personal data included.
    return RequestOut.of(service.show(db, actor, operator(actor), code, personal=True)).model_dump(mode="json")


@app.command("list")
@handle_errors
def requests_list(
    status: str = typer.Option(None, "--status", help="received, open, released, denied, closed"),
    type_: str = typer.Option(None, "--type", help="foia, person_recorded, complainant, victim, ..."),
    overdue: bool = typer.Option(False, "--overdue", help="Only requests past their deadline, most overdue first."),
    limit: int = typer.Option(50, min=1, max=500),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """The queue of requests, with their deadlines."""
    on = service.today()
    with session_scope() as db:
        rows, total = service.list_requests(db, cli_actor(), status=status, type_=type_, overdue=overdue,
                                            limit=limit, offset=offset)
        items = [
            {"code": r.code, "type": r.type, "status": r.status, "received_on": r.received_on.isoformat(),
             "office_code": r.office_code, "expedited": r.expedited, "due_on": c.effective_due_on.isoformat(),
             "working_days_left": c.working_days_left(on), "overdue": late}
            for r, c, late in rows
        ]
    if json_out:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    print_table(
        f"{total} requests",
        ["code", "type", "status", "received", "office", "due", "working days left", "overdue"],
        [(i["code"], i["type"], i["status"], i["received_on"], i["office_code"] or "", i["due_on"],
          i["working_days_left"], "OVERDUE" if i["overdue"] else "") for i in items],
    )


def _print_request(data: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(data)
        return
    d = data["deadlines"]
    for key, value in (
        ("code", data["code"]), ("type", data["type"]), ("status", data["status"]),
        ("received", data["received_at"]), ("due", d["effective_due_on"]),
        ("working days left", d["working_days_left"]), ("overdue", d["overdue"]),
        ("office", data["office_code"]), ("expedited", data["expedited"]),
        ("identity checked", data["identity_verified"]), ("recordings", ", ".join(data["recording_ids"])),
        ("releases", ", ".join(f"{r['id']} ({r['status']})" for r in data["releases"])),
    ):
        say(f"{key:<18} {value}")


@app.command("show")
@handle_errors
def requests_show(code: str, json_out: bool = JSON_OPTION) -> None:
    """One request: deadlines, recordings, releases, requester and messages."""
    with session_scope() as db:
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("intake")
@handle_errors
def requests_intake(
    code: str,
    office: str = typer.Option(None, "--office", help="The office that answers it."),
    expedited: bool = typer.Option(None, "--expedited/--not-expedited", help="Serious bodily injury or death."),
    identity: str = typer.Option(None, "--identity-checked", help="How the requester's identity was checked."),
    type_: str = typer.Option(None, "--type"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Take a request in (office, expedited, identity checked)."""
    with session_scope() as db:
        service.intake(db, cli_actor(), code, office_code=office, expedited=expedited,
                       identity_verified=True if identity else None, identity_note=identity, type_=type_)
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("extend")
@handle_errors
def requests_extend(
    code: str, reason: str = typer.Option(..., "--reason", help="Why (goes to the requester and the ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Extend the deadline by 10 working days."""
    with session_scope() as db:
        service.extend(db, cli_actor(), code, reason)
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("search")
@handle_errors
def requests_search(
    code: str,
    start: str = typer.Option(None, "--from"),
    end: str = typer.Option(None, "--to"),
    office: str = typer.Option(None, "--office"),
    badge: str = typer.Option(None, "--badge"),
    activity: str = typer.Option(None, "--activity"),
    place: str = typer.Option(None, "--place"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Recordings that may answer the request."""
    actor = cli_actor()
    with session_scope() as db:
        found = service.search(
            db, actor, operator(actor), code, start=parse_instant(start, field="from") if start else None,
            end=parse_instant(end, field="to") if end else None, office=office, badge=badge, activity=activity,
            place=place,
        )
        items = [CandidateOut.of(c).model_dump(mode="json") for c in found]
    if json_out:
        print_json(items)
        return
    print_table(f"{len(items)} recordings", ["recording", "officer", "badge", "office", "start", "end", "linked"],
                [(i["recording_id"], i["officer"], i["badge"], i["office"], i["start"], i["end"], i["linked"])
                 for i in items])


@app.command("link")
@handle_errors
def requests_link(code: str, recording_ids: list[str], json_out: bool = JSON_OPTION) -> None:
    """Link recordings to the request (they come under its legal hold)."""
    actor = cli_actor()
    with session_scope() as db:
        service.link(db, actor, operator(actor), code, recording_ids)
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("message")
@handle_errors
def requests_message(code: str, body: str, json_out: bool = JSON_OPTION) -> None:
    """Send the requester a message from the records office."""
    with session_scope() as db:
        service.post_message(db, cli_actor(), code, body)
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("deny")
@handle_errors
def requests_deny(
    code: str,
    exemption: list[str] = typer.Option(..., "--exemption", help="A FOIA exemption, e.g. 6 or 7(C); repeat."),
    reason: str = typer.Option(..., "--reason"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Refuse the request with exemption codes."""
    with session_scope() as db:
        service.deny(db, cli_actor(), code, exemption, reason)
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("close")
@handle_errors
def requests_close(code: str, reason: str = typer.Option(..., "--reason"), json_out: bool = JSON_OPTION) -> None:
    """Close the request (lifting its hold is then asked)."""
    with session_scope() as db:
        service.close(db, cli_actor(), code, reason)
        data = _show(db, code)
    _print_request(data, json_out)


@app.command("prepare")
@handle_errors
def requests_prepare(
    code: str,
    item: list[str] = typer.Option(..., "--item", help="RECORDING_ID:DERIVED_ID; repeat for more."),
    note: str = typer.Option(None, "--note"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Prepare a release of redacted copies; another person approves it."""
    items = []
    for raw in item:
        rec, _, derived = raw.partition(":")
        items.append(releases.ItemIn(rec, derived))
    actor = cli_actor()
    with session_scope() as db:
        rel = releases.prepare(db, actor, operator(actor), code, items, note)
        data = _release(db, rel)
    if json_out:
        print_json(data)
    else:
        say(f"release {data['id']} prepared for {data['request']}: another person approves it")


@app.command("approve")
@handle_errors
def requests_approve(release_id: str, json_out: bool = JSON_OPTION) -> None:
    """Approve a release someone else prepared."""
    with session_scope() as db:
        rel = releases.approve(db, cli_actor(), release_id)
        data = _release(db, rel)
    if json_out:
        print_json(data)
    else:
        say(f"release {data['id']} approved: the requester can download it")


@app.command("reject")
@handle_errors
def requests_reject(release_id: str, reason: str = typer.Option(..., "--reason"), json_out: bool = JSON_OPTION) -> None:
    """Reject a release someone else prepared."""
    with session_scope() as db:
        rel = releases.reject(db, cli_actor(), release_id, reason)
        data = _release(db, rel)
    if json_out:
        print_json(data)
    else:
        say(f"release {data['id']} rejected")


@app.command("package")
@handle_errors
def requests_package(
    release_id: str, out: Path = typer.Option(..., "--out", help="Where to write the zip."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Write an approved release's package (what the requester downloads)."""
    with session_scope() as db:
        rel = releases.get_release(db, release_id)
        path = releases.build_package(db, cli_actor(), rel)
    shutil.move(str(path), out)
    if json_out:
        print_json({"release": release_id, "package": str(out), "size": out.stat().st_size})
    else:
        say(f"{out} written; check it with: python3 tools/verify_custody.py --package {out}")


@app.command("metrics")
@handle_errors
def requests_metrics(
    start: str = typer.Option(None, "--from"), end: str = typer.Option(None, "--to"), json_out: bool = JSON_OPTION
) -> None:
    """Figures for the transparency site."""
    with session_scope() as db:
        facts = metrics.request_facts(db, start=parse_instant(start, field="from") if start else None,
                                      end=parse_instant(end, field="to") if end else None)
    if json_out:
        print_json(facts)
        return
    for key, value in facts.items():
        say(f"{key:<24} {value}")


@app.command("submit")
@handle_errors
def requests_submit(
    type_: str = typer.Option(..., "--type"),
    name: str = typer.Option(..., "--name"),
    email: str = typer.Option(..., "--email"),
    description: str = typer.Option(..., "--description"),
    occurred_from: str = typer.Option(None, "--from"),
    occurred_to: str = typer.Option(None, "--to"),
    location: str = typer.Option(None, "--location"),
    serious: bool = typer.Option(False, "--serious-injury-or-death"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Enter a request received by mail or phone, as the portal would (prints its code and secret)."""
    with session_scope() as db:
        done = portal.submit(db, type_=type_, name=name, email=email, description=description,
                             occurred_from=occurred_from, occurred_to=occurred_to, location=location,
                             serious_injury_or_death=serious, client_addr="cli")
        data = {"tracking_code": done.request.code, "secret": done.secret, "type": done.request.type,
                "status": done.request.status, "due_on": done.request.due_on.isoformat()}
    if json_out:
        print_json(data)
    else:
        say(f"request {data['tracking_code']} received; secret {data['secret']} (give it to the requester); "
            f"due {data['due_on']}")
