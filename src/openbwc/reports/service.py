"""Filing, amending and reading initial reports; the ACC-3 gate on an officer's own footage.

A report is filed by the officer it is about, on recordings of theirs the
caller may see. Its text is kept in versions: version 1 as first filed, each
amendment a new version with a reason; no version is ever changed (the
database refuses it too, ``models._unchangeable``), and each version's SHA-256
is in the custody ledger, so any later change to stored text shows.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, true
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import NotFound, PermissionDenied, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person
from openbwc.policy import service as policy_service
from openbwc.reports import repository as repo
from openbwc.reports.models import InitialReport, ReportRecording, ReportVersion

INCIDENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9_:-]{0,59}$")
MAX_NARRATIVE = 100_000
MAX_RECORDINGS = 200


# --- who is who -----------------------------------------------------------------------------


def person_of(session: Session, actor: Actor) -> Person | None:
    """The person (officer) an actor's account belongs to; None for the shell and the platform."""
    try:
        account_id = uuid.UUID(str(actor.id))
    except ValueError:
        return None
    return repo.person_by_account(session, account_id)


def _visible(viewer: Viewer) -> Any:
    """Reports the viewer may read: everyone's with read_all, else their own and their reports'."""
    if viewer.everything:
        return true()
    if not viewer.person_ids:
        return false()
    return InitialReport.officer_id.in_(viewer.person_ids)


def _may_see(viewer: Viewer, report: InitialReport) -> bool:
    return viewer.everything or report.officer_id in viewer.person_ids


# --- the gate (ACC-3) -------------------------------------------------------------------------


def check_viewing(session: Session, actor: Actor, recording: Recording, *, via: str, ledger: bool = True) -> None:
    """Refuse the recording's own officer its footage until they have filed their initial report on it,
    when it carries an incident type the policy lists; ledger every refused attempt, and every viewing
    by anyone else before that report (``ledger``: False for a later range of one playback)."""
    if recording.officer_id is None:
        return
    rules = policy_service.active(session).rules
    types = repo.tags_among(session, recording.id, rules.viewing_before_report_types)
    if not types or repo.reported(session, recording.officer_id, recording.id):
        return
    me = person_of(session, actor)
    details = {"rule": rules.viewing_before_report_rule, "incident_types": sorted(types), "via": via}
    if me is None or me.id != recording.officer_id:
        if ledger:
            custody.record(
                session,
                actor=actor,
                action="reports:viewing:before_report",
                object_type="evidence",
                object_id=str(recording.id),
                details=details,
            )
        return
    custody.record(
        session,
        actor=actor,
        action="reports:viewing:refused",
        object_type="evidence",
        object_id=str(recording.id),
        outcome="denied",
        details=details,
    )
    raise PermissionDenied(
        f"this recording is of an incident type ({', '.join(sorted(types))}) whose footage its officer may "
        f"view only after filing the initial report ({rules.viewing_before_report_rule}): file it first "
        "(console Reports, POST /api/v1/reports or `bwc reports file`), naming this recording",
        code="REPORT_REQUIRED_BEFORE_VIEWING",
        detail={"recording_id": str(recording.id), "rule": rules.viewing_before_report_rule},
        keep_changes=True,
    )


def gated(session: Session, recording: Recording) -> list[str]:
    """The incident types that gate this recording for its officer now (empty once reported)."""
    if recording.officer_id is None:
        return []
    rules = policy_service.active(session).rules
    types = repo.tags_among(session, recording.id, rules.viewing_before_report_types)
    if not types or repo.reported(session, recording.officer_id, recording.id):
        return []
    return sorted(types)


# --- reports ----------------------------------------------------------------------------------


def content_sha256(
    report_id: uuid.UUID, number: int, incident_type: str, narrative: str, recordings: Sequence[uuid.UUID]
) -> str:
    body = {
        "report": str(report_id),
        "version": number,
        "incident_type": incident_type,
        "narrative": narrative,
        "recordings": sorted(str(r) for r in recordings),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _narrative(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("the report needs a narrative: what happened, in your words", code="EMPTY_NARRATIVE")
    if len(text) > MAX_NARRATIVE:
        raise ValidationFailed(f"the narrative is longer than {MAX_NARRATIVE} characters", code="NARRATIVE_TOO_LONG")
    return text


def _parse_id(text: str, what: str, code: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(text).strip())
    except ValueError:
        raise ValidationFailed(f"{what} {str(text)[:80]!r} is not an id (a UUID)", code=code)


def file_report(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    officer: Person,
    *,
    incident_type: str,
    narrative: str,
    recording_ids: Sequence[str],
    incident_number: str | None = None,
    occurred_at: datetime | None = None,
) -> InitialReport:
    """File ``officer``'s initial report; everything is checked before anything is written."""
    kind = (incident_type or "").strip().lower()
    if not INCIDENT_TYPE.match(kind):
        raise ValidationFailed(
            "incident_type is a tag such as use_of_force (a-z, 0-9, _ : -)", code="INVALID_INCIDENT_TYPE"
        )
    text = _narrative(narrative)
    if not recording_ids:
        raise ValidationFailed("name the recordings the report is about", code="NO_RECORDINGS")
    if len(recording_ids) > MAX_RECORDINGS:
        raise ValidationFailed(f"at most {MAX_RECORDINGS} recordings in one report", code="TOO_MANY_RECORDINGS")
    ids: list[uuid.UUID] = []
    for raw in recording_ids:
        rid = _parse_id(raw, "recording", "INVALID_RECORDING_ID")
        rec = get_recording(session, rid, viewer, via="reports:report:file")
        if rec.officer_id != officer.id:
            raise ValidationFailed(
                f"recording {rid} was not recorded by {officer.name} ({officer.badge}): an initial report "
                "covers its officer's own recordings",
                code="NOT_OFFICERS_RECORDING",
                detail={"recording_id": str(rid)},
            )
        if rid not in ids:
            ids.append(rid)
    now = utcnow()
    report = InitialReport(
        officer_id=officer.id,
        incident_type=kind,
        incident_number=(incident_number or "").strip()[:60] or None,
        occurred_at=occurred_at,
        filed_at=now,
        filed_by=actor.id,
        filed_by_name=actor.name,
        latest_version=1,
    )
    session.add(report)
    session.flush()
    for rid in ids:
        session.add(ReportRecording(report_id=report.id, recording_id=rid))
    digest = content_sha256(report.id, 1, kind, text, ids)
    session.add(
        ReportVersion(
            report_id=report.id,
            number=1,
            narrative=text,
            reason="first filed",
            sha256=digest,
            created_at=now,
            created_by=actor.id,
            created_by_name=actor.name,
        )
    )
    session.flush()
    for rid in ids:
        custody.record(
            session,
            actor=actor,
            action="reports:report:file",
            object_type="evidence",
            object_id=str(rid),
            details={
                "report": str(report.id),
                "version": 1,
                "sha256": digest,
                "incident_type": kind,
                "officer": officer.badge,
            },
        )
    return report


def get_report(session: Session, report_id: uuid.UUID | str, viewer: Viewer) -> InitialReport:
    """A report the viewer may read; any other answers exactly as one that does not exist."""
    rid = report_id if isinstance(report_id, uuid.UUID) else _parse_id(report_id, "report", "INVALID_REPORT_ID")
    found = repo.report(session, rid)
    if found is None or not _may_see(viewer, found):
        raise NotFound(f"no report {rid}", code="REPORT_NOT_FOUND", detail={"report_id": str(rid)})
    return found


def amend(
    session: Session, actor: Actor, viewer: Viewer, report_id: uuid.UUID | str, narrative: str, reason: str
) -> ReportVersion:
    """A new version of the report's text (the earlier ones stay as they are); its officer's alone."""
    report = get_report(session, report_id, viewer)
    me = person_of(session, actor)
    if me is None or me.id != report.officer_id:
        raise PermissionDenied("only the officer who filed this report may amend it", code="NOT_REPORT_AUTHOR")
    text = _narrative(narrative)
    why = (reason or "").strip()
    if not why:
        raise ValidationFailed("say why the report is amended", code="REASON_REQUIRED")
    number = report.latest_version + 1
    ids = repo.recordings_of(session, report.id)
    digest = content_sha256(report.id, number, report.incident_type, text, ids)
    version = ReportVersion(
        report_id=report.id,
        number=number,
        narrative=text,
        reason=why[:2000],
        sha256=digest,
        created_by=actor.id,
        created_by_name=actor.name,
    )
    session.add(version)
    report.latest_version = number
    session.flush()
    for rid in ids:
        custody.record(
            session,
            actor=actor,
            action="reports:report:amend",
            object_type="evidence",
            object_id=str(rid),
            reason=why[:500],
            details={"report": str(report.id), "version": number, "sha256": digest},
        )
    return version


@dataclass
class ReportView:
    report: InitialReport
    officer: Person | None
    versions: list[ReportVersion]
    recording_ids: list[uuid.UUID]

    def as_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "id": str(r.id),
            "officer": self.officer.badge if self.officer else None,
            "officer_name": self.officer.name if self.officer else None,
            "incident_type": r.incident_type,
            "incident_number": r.incident_number,
            "occurred_at": isoformat(r.occurred_at) if r.occurred_at else None,
            "filed_at": isoformat(r.filed_at),
            "filed_by": r.filed_by_name,
            "latest_version": r.latest_version,
            "recording_ids": [str(i) for i in self.recording_ids],
            "versions": [
                {
                    "number": v.number,
                    "narrative": v.narrative,
                    "reason": v.reason,
                    "sha256": v.sha256,
                    "intact": v.sha256
                    == content_sha256(r.id, v.number, r.incident_type, v.narrative, self.recording_ids),
                    "created_at": isoformat(v.created_at),
                    "created_by": v.created_by_name,
                }
                for v in self.versions
            ],
        }


def _view(session: Session, report: InitialReport) -> ReportView:
    return ReportView(
        report,
        session.get(Person, report.officer_id),
        list(repo.versions_of(session, report.id)),
        repo.recordings_of(session, report.id),
    )


def show(session: Session, actor: Actor, viewer: Viewer, report_id: uuid.UUID | str, *, via: str = "api") -> ReportView:
    report = get_report(session, report_id, viewer)
    custody.record(
        session,
        actor=actor,
        action="reports:report:read",
        object_type="report",
        object_id=str(report.id),
        details={"via": via},
    )
    return _view(session, report)


def list_reports(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    *,
    officer_badge: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReportView], int]:
    officer_id = None
    if officer_badge:
        person = org_repo.person_by_badge(session, officer_badge.strip())
        if person is None:
            return [], 0
        officer_id = person.id
    rows, total = repo.list_reports(session, _visible(viewer), officer_id=officer_id, limit=limit, offset=offset)
    custody.record(
        session,
        actor=actor,
        action="reports:report:list",
        object_type="query",
        object_id="reports",
        details={"officer": officer_badge, "returned": [str(r.id) for r in rows]},
    )
    return [_view(session, r) for r in rows], total


def officer_for_filing(session: Session, actor: Actor, badge: str | None) -> Person:
    """Who the report is by: the caller's own person (API, console), or a badge (the shell)."""
    if badge:
        person = org_repo.person_by_badge(session, badge.strip())
        if person is None:
            raise NotFound(f"no officer with badge {badge!r}", code="OFFICER_NOT_FOUND")
        return person
    me = person_of(session, actor)
    if me is None:
        raise ValidationFailed(
            "your account is not linked to an officer: an initial report is filed by the officer it is about",
            code="NO_OFFICER_FOR_ACCOUNT",
        )
    return me
