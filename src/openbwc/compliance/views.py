"""Activities and findings as people read them: badges, not ids; evidence ids with each finding.

Shared by the API, the CLI and the console so they say the same thing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from openbwc.compliance import repository as repo
from openbwc.compliance.links import evidence_of
from openbwc.compliance.models import Activity, Finding
from openbwc.compliance.schemas import ActivityOut, FindingOut
from openbwc.evidence.scope import Viewer, visible_recording_ids
from openbwc.policy import service as policy_service


def findings_out(session: Session, rows: Sequence[tuple[Finding, Activity]], *, viewer: Viewer) -> list[FindingOut]:
    """Findings with the officer's badge and the recordings each rests on, as far as the caller's
    row scope shows them (sealed ones for oversight alone)."""
    pairs = sorted({(f.activity_id, f.person_id) for f, _ in rows})
    evidence = evidence_of(session, pairs)
    named = {r for ids in evidence.values() for r in ids}
    hidden = named - visible_recording_ids(session, named, viewer)
    flagged = _flagged(session, {r for ids in evidence.values() for r in ids})
    rules = policy_service.active(session).rules
    badges = repo.badges_of(session, {f.person_id for f, _ in rows})
    out = []
    for f, a in rows:
        ids = [r for r in evidence.get((f.activity_id, f.person_id), []) if r not in hidden]
        if f.code in ("UNSIGNED_FOOTAGE", "CAMERA_NOT_ASSIGNED"):
            # These findings rest on the flagged footage only.
            ids = [r for r in ids if flagged.get(r, set()) & rules.finding_flags[f.code]]
        out.append(
            FindingOut(
                activity_id=a.ref,
                officer=badges.get(f.person_id, str(f.person_id)),
                code=f.code,
                rule_id=f.rule_id,
                policy_version=f.policy_version,
                seconds=f.seconds,
                status=f.status,
                evaluated_at=f.evaluated_at,
                recording_ids=ids,
            )
        )
    return out


def _flagged(session: Session, recording_ids: set[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    from sqlalchemy import select

    from openbwc.evidence.models import RecordingFlag

    out: dict[uuid.UUID, set[str]] = {}
    ids = sorted(recording_ids)
    for part in repo.chunks(ids):
        stmt = select(RecordingFlag.recording_id, RecordingFlag.code).where(RecordingFlag.recording_id.in_(part))
        for rid, code in session.execute(stmt):
            out.setdefault(rid, set()).add(code)
    return out


def activities_out(
    session: Session, activities: Sequence[Activity], *, findings_for: Viewer | None = None
) -> list[ActivityOut]:
    """Activities as people read them; with their findings when ``findings_for`` (the caller's row
    scope, which decides which recordings the findings may name) is given."""
    with_findings = findings_for is not None
    rules = policy_service.active(session).rules
    officers = repo.officers_of(session, [a.id for a in activities])
    people = {pid for ids in officers.values() for pid in ids} | {
        a.exception_approved_by for a in activities if a.exception_approved_by
    }
    badges = repo.badges_of(session, people)
    findings: dict[uuid.UUID, list[FindingOut]] = {}
    if findings_for is not None and activities:
        by_id = {a.id: a for a in activities}
        rows = [(f, by_id[f.activity_id]) for f in repo.findings_for_activities(session, list(by_id))]
        for a_id, item in zip(
            [f.activity_id for f, _ in rows], findings_out(session, rows, viewer=findings_for), strict=True
        ):
            findings.setdefault(a_id, []).append(item)
    return [
        ActivityOut(
            activity_id=a.ref,
            type=a.type,
            office=a.office_code,
            started_at=a.started_at,
            ended_at=a.ended_at,
            officers=sorted(badges.get(p, str(p)) for p in officers.get(a.id, set())),
            planned=a.planned,
            exception=a.exception_code,
            exception_approved_by=badges.get(a.exception_approved_by) if a.exception_approved_by else None,
            first_amendment=a.first_amendment,
            location=a.location,
            required=rules.is_required(a.type, a.planned),
            updated_at=a.updated_at,
            findings=findings.get(a.id, []) if with_findings else None,
        )
        for a in activities
    ]


def dump(items: Sequence[Any]) -> list[dict[str, Any]]:
    return [i.model_dump(mode="json") for i in items]
