"""Enforcement activities from operation plans and field reports: import, create, update.

A file (CSV or JSON Lines) is checked whole before anything is stored: every
bad row is reported by line with a code, and a file with any bad row changes
nothing. Re-importing an ``activity_id`` updates that activity. Stored
activities are then re-evaluated at once, pair by pair (incremental).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.compliance import repository as repo
from openbwc.compliance import runs
from openbwc.compliance.models import Activity, ActivityOfficer
from openbwc.custody import Actor
from openbwc.kit.errors import NotFound, ValidationFailed
from openbwc.kit.ids import new_id
from openbwc.kit.time import parse_instant, utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person
from openbwc.policy import service as policy_service
from openbwc.policy.schema import ACTIVITY_TYPES

COLUMNS = (
    "activity_id",
    "type",
    "office",
    "started_at",
    "ended_at",
    "officers",
    "planned",
    "exception",
    "exception_approved_by",
    "first_amendment",
    "location",
)
REQUIRED = ("activity_id", "type", "office", "started_at", "ended_at", "officers")
REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$")
# An activity longer than this is almost always a typo in a date (a year instead of a day).
MAX_DURATION = timedelta(days=31)
MAX_ROWS = 500_000
MAX_LOCATION = 200
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0", ""}


@dataclass(frozen=True)
class ActivityInput:
    ref: str
    type: str
    office: str
    started_at: datetime
    ended_at: datetime
    officers: tuple[str, ...]
    planned: bool
    exception: str | None
    approved_by: str | None
    first_amendment: bool
    location: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    activity_ids: list[uuid.UUID] = field(default_factory=list)
    # (officer, start, end) of activities as they were before this change: their footage is re-placed.
    earlier: list[tuple[uuid.UUID, datetime, datetime]] = field(default_factory=list)
    evaluation: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "evaluation": self.evaluation,
        }


def _invalid(source: str, problems: list[RowProblem]) -> ValidationFailed:
    listed = "; ".join(f"line {p.line} {p.code} ({p.field}): {p.message}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return ValidationFailed(
        f"{source}: {len(problems)} problem(s), nothing was imported: {listed}{more}",
        code="INVALID_ACTIVITIES",
        detail={"source": source, "errors": [p.as_dict() for p in problems]},
    )


# -- reading files --------------------------------------------------------------------------------------


def read_rows(text: str, source: str, fmt: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, raw row) from CSV (header on line 1) or JSON Lines."""
    if fmt == "csv":
        try:
            return _read_csv(text, source)
        except csv.Error as exc:  # a stray carriage return, a field past the csv module's limit
            raise _invalid(source, [RowProblem(1, "INVALID_CSV", "", f"cannot read the CSV: {exc}")])
    return _read_json_lines(text, source)


def _read_csv(text: str, source: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    problems = [RowProblem(1, "MISSING_COLUMN", c, f"the header has no column {c!r}") for c in missing]
    problems += [
        RowProblem(1, "UNKNOWN_COLUMN", h, f"unknown column {h!r}; the columns are {', '.join(COLUMNS)}")
        for h in unknown
    ]
    if problems:
        raise _invalid(source, problems)
    rows = []
    for rec in reader:
        if None in rec:  # more cells than header columns
            raise _invalid(
                source, [RowProblem(reader.line_num, "EXTRA_CELLS", "", "the row has more cells than the header")]
            )
        rows.append((reader.line_num, {(k or "").strip().lower(): v for k, v in rec.items()}))
    return rows


def _read_json_lines(text: str, source: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _invalid(source, [RowProblem(number, "INVALID_JSON", "", f"not a JSON object: {exc.msg}")])
        if not isinstance(value, dict):
            raise _invalid(source, [RowProblem(number, "INVALID_JSON", "", "each line is one JSON object")])
        unknown = [k for k in value if k not in COLUMNS]
        if unknown:
            raise _invalid(
                source,
                [
                    RowProblem(number, "UNKNOWN_COLUMN", k, f"unknown field {k!r}; the fields are {', '.join(COLUMNS)}")
                    for k in unknown
                ],
            )
        rows.append((number, value))
    return rows


def format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise ValidationFailed(
        f"{path}: use a .csv or .jsonl (JSON Lines) file", code="UNSUPPORTED_FORMAT", detail={"path": str(path)}
    )


# -- checking rows --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _bool(value: Any, line: int, name: str, problems: list[RowProblem]) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        problems.append(RowProblem(line, "INVALID_BOOLEAN", name, f"{value!r} is not true or false"))
    return False


def check_rows(session: Session, rows: Sequence[tuple[int, dict[str, Any]]], source: str) -> list[ActivityInput]:
    """Check every row; raise ``INVALID_ACTIVITIES`` listing each bad one, or return them all."""
    if not rows:
        raise _invalid(source, [RowProblem(1, "EMPTY_FILE", "", "the file holds no activities")])
    if len(rows) > MAX_ROWS:
        raise _invalid(source, [RowProblem(1, "TOO_MANY_ROWS", "", f"at most {MAX_ROWS} activities per file")])
    rules = policy_service.active(session).rules
    offices = {o.code: o.code for o in org_repo.offices(session)}
    offices.update({o.name.lower(): o.code for o in org_repo.offices(session)})
    badges: set[str] = set()
    for _, raw in rows:
        officers = raw.get("officers")
        items = officers if isinstance(officers, list) else _text(officers).split(";")
        badges.update(_text(b).upper() for b in items if _text(b))
        if _text(raw.get("exception_approved_by")):
            badges.add(_text(raw.get("exception_approved_by")).upper())
    people = repo.people_by_badges(session, badges)
    supervisors = repo.supervisor_ids(session, [p.id for p in people.values()])

    problems: list[RowProblem] = []
    out: list[ActivityInput] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        before = len(problems)

        def need(name: str, line: int = line, raw: dict[str, Any] = raw) -> str:
            value = _text(raw.get(name))
            if not value and name in REQUIRED:
                problems.append(RowProblem(line, "MISSING_FIELD", name, f"{name} is required"))
            return value

        ref = need("activity_id")
        if ref and not REF_RE.match(ref):
            problems.append(
                RowProblem(
                    line, "INVALID_ACTIVITY_ID", "activity_id", "1 to 80 letters, digits or . _ : / - (no spaces)"
                )
            )
        if ref in seen:
            problems.append(
                RowProblem(
                    line, "DUPLICATE_ACTIVITY_ID", "activity_id", f"{ref} is also on line {seen[ref]} of this file"
                )
            )
        elif ref:
            seen[ref] = line
        kind = need("type").lower()
        if kind and kind not in ACTIVITY_TYPES:
            problems.append(
                RowProblem(
                    line, "UNKNOWN_ACTIVITY_TYPE", "type", f"{kind!r}; the types are {', '.join(ACTIVITY_TYPES)}"
                )
            )
        office_key = need("office")
        office = offices.get(office_key.upper()) or offices.get(office_key.lower())
        if office_key and office is None:
            problems.append(RowProblem(line, "UNKNOWN_OFFICE", "office", f"no field office {office_key!r}"))
        times: dict[str, datetime] = {}
        for name in ("started_at", "ended_at"):
            value = need(name)
            if value:
                try:
                    times[name] = parse_instant(value, field=name)
                except ValidationFailed as exc:
                    problems.append(RowProblem(line, exc.code, name, exc.message))
        if len(times) == 2:
            if times["ended_at"] <= times["started_at"]:
                problems.append(RowProblem(line, "END_BEFORE_START", "ended_at", "ended_at must be after started_at"))
            elif times["ended_at"] - times["started_at"] > MAX_DURATION:
                problems.append(
                    RowProblem(
                        line, "ACTIVITY_TOO_LONG", "ended_at", f"longer than {MAX_DURATION.days} days: check the dates"
                    )
                )
            if times["started_at"] > utcnow() + timedelta(days=1):
                problems.append(
                    RowProblem(line, "FUTURE_ACTIVITY", "started_at", "an activity cannot start in the future")
                )
        raw_officers = raw.get("officers")
        items = raw_officers if isinstance(raw_officers, list) else _text(raw_officers).split(";")
        officer_badges = list(dict.fromkeys(_text(b).upper() for b in items if _text(b)))
        if not officer_badges and "officers" not in {p.field for p in problems[before:]}:
            problems.append(
                RowProblem(line, "NO_OFFICERS", "officers", "name at least one officer's badge (separate with ;)")
            )
        for badge in officer_badges:
            if badge not in people:
                problems.append(RowProblem(line, "UNKNOWN_OFFICER", "officers", f"no person with badge {badge!r}"))
        planned = _bool(raw.get("planned"), line, "planned", problems)
        first_amendment = _bool(raw.get("first_amendment"), line, "first_amendment", problems)
        exception = _text(raw.get("exception")).upper() or None
        if exception is not None and exception not in rules.exceptions:
            problems.append(
                RowProblem(
                    line,
                    "UNKNOWN_EXCEPTION",
                    "exception",
                    f"{exception!r}; the policy's exceptions are {', '.join(rules.exceptions)}",
                )
            )
        approver = _text(raw.get("exception_approved_by")).upper() or None
        if approver is not None:
            if exception is None:
                problems.append(
                    RowProblem(
                        line,
                        "APPROVAL_WITHOUT_EXCEPTION",
                        "exception_approved_by",
                        "an approval needs an exception code",
                    )
                )
            person = people.get(approver)
            if person is None:
                problems.append(
                    RowProblem(line, "UNKNOWN_APPROVER", "exception_approved_by", f"no person with badge {approver!r}")
                )
            elif not _is_supervisor(person, supervisors):
                problems.append(
                    RowProblem(
                        line,
                        "APPROVER_NOT_SUPERVISOR",
                        "exception_approved_by",
                        f"{approver} supervises no one: exceptions are approved by a supervisor (EXC)",
                    )
                )
        location = _text(raw.get("location"))
        if len(location) > MAX_LOCATION:
            problems.append(RowProblem(line, "FIELD_TOO_LONG", "location", f"at most {MAX_LOCATION} characters"))
        if len(problems) == before:
            out.append(
                ActivityInput(
                    ref=ref,
                    type=kind,
                    office=office or "",
                    started_at=times["started_at"],
                    ended_at=times["ended_at"],
                    officers=tuple(officer_badges),
                    planned=planned,
                    exception=exception,
                    approved_by=approver,
                    first_amendment=first_amendment,
                    location=location,
                )
            )
    if problems:
        raise _invalid(source, problems)
    return out


def _is_supervisor(person: Person, supervisors: set[uuid.UUID]) -> bool:
    return person.id in supervisors or "supervis" in person.title.lower()


# -- storing --------------------------------------------------------------------------------------------


def store(session: Session, actor: Actor, inputs: Iterable[ActivityInput], source: str, origin: str) -> ImportResult:
    """Create or update activities (by ``activity_id``); returns what changed. Does not evaluate."""
    inputs = list(inputs)
    result = ImportResult(source=source, rows=len(inputs))
    existing = repo.activities_by_refs(session, [i.ref for i in inputs])
    badges = {b for i in inputs for b in i.officers} | {i.approved_by for i in inputs if i.approved_by}
    people = repo.people_by_badges(session, badges)
    current_officers = repo.officers_of(session, [a.id for a in existing.values()])
    now = utcnow()
    changed: list[uuid.UUID] = []
    for item in inputs:
        values = {
            "type": item.type,
            "office_code": item.office,
            "started_at": item.started_at,
            "ended_at": item.ended_at,
            "planned": item.planned,
            "exception_code": item.exception,
            "exception_approved_by": people[item.approved_by].id if item.approved_by else None,
            "first_amendment": item.first_amendment,
            "location": item.location,
        }
        officer_ids = {people[b].id for b in item.officers}
        activity = existing.get(item.ref)
        if activity is None:
            activity = Activity(
                id=new_id(), ref=item.ref, source=origin, created_at=now, updated_at=now, updated_by=actor.id, **values
            )
            session.add(activity)
            session.add_all(ActivityOfficer(activity_id=activity.id, person_id=pid) for pid in officer_ids)
            result.created += 1
            changed.append(activity.id)
            continue
        differs = any(getattr(activity, k) != v for k, v in values.items())
        had = current_officers.get(activity.id, set())
        if not differs and had == officer_ids:
            result.unchanged += 1
            continue
        result.earlier.extend((pid, activity.started_at, activity.ended_at) for pid in had)
        for k, v in values.items():
            setattr(activity, k, v)
        activity.updated_at, activity.updated_by = now, actor.id
        for pid in had - officer_ids:
            session.delete(session.get(ActivityOfficer, (activity.id, pid)))
        session.add_all(ActivityOfficer(activity_id=activity.id, person_id=pid) for pid in officer_ids - had)
        result.updated += 1
        changed.append(activity.id)
    session.flush()
    result.activity_ids = changed
    return result


def import_text(
    session: Session, actor: Actor, text: str, source: str, fmt: str, *, evaluate: bool = True
) -> ImportResult:
    """Check a whole file, store it, ledger it, and re-evaluate what changed."""
    inputs = check_rows(session, read_rows(text, source, fmt), source)
    result = store(session, actor, inputs, source, "import")
    custody.record(
        session,
        actor=actor,
        action="compliance:activities:import",
        object_type="activity_file",
        object_id=source[:200],
        details={
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    if result.activity_ids:
        placed = runs.on_activities(session, result.activity_ids, actor, result.earlier, findings=evaluate)
        # Without evaluation the findings wait for a run, but the recordings are placed and
        # sealed now (PRO-1): an import never leaves First Amendment footage open.
        if evaluate:
            result.evaluation = placed.as_dict()
    return result


def import_file(session: Session, actor: Actor, path: Path, *, evaluate: bool = True) -> ImportResult:
    fmt = format_of(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationFailed(
            f"cannot read {path}: {exc.strerror}", code="UNREADABLE_FILE", detail={"path": str(path)}
        )
    except UnicodeDecodeError:
        raise ValidationFailed(f"{path} is not UTF-8 text", code="UNREADABLE_FILE", detail={"path": str(path)})
    return import_text(session, actor, text, str(path), fmt, evaluate=evaluate)


def put_one(session: Session, actor: Actor, payload: dict[str, Any]) -> tuple[Activity, ImportResult]:
    """Create or update one activity from an API body (the import's columns as fields)."""
    inputs = check_rows(session, [(1, payload)], "request")
    result = store(session, actor, inputs, "api", "api")
    activity = repo.activity_by_ref(session, inputs[0].ref)
    assert activity is not None
    if result.activity_ids:
        custody.record(
            session,
            actor=actor,
            action="compliance:activity:" + ("create" if result.created else "update"),
            object_type="activity",
            object_id=activity.ref,
            details={"type": activity.type, "office": activity.office_code, "officers": list(inputs[0].officers)},
        )
        result.evaluation = runs.on_activities(session, result.activity_ids, actor, result.earlier).as_dict()
    return activity, result


def get_activity(session: Session, ref: str) -> Activity:
    activity = repo.activity_by_ref(session, ref)
    if activity is None:
        raise NotFound(f"no activity {ref!r}", code="ACTIVITY_NOT_FOUND", detail={"activity_id": ref})
    return activity
