"""Classifying recordings by hand: retention category, tags, cases (RET-3, ACC-1).

The API, the console and the CLI share these rules. Every change is a
custody-ledger entry in the caller's transaction; doing the same thing twice
(a tag already there, a link already made, the category already set) changes
nothing and writes nothing, and says so. Bad input is refused with a coded
error before anything is changed, also when several recordings are named at
once.

Sealed recordings (PRO-1) follow the rule every other route follows (the
caller's row scope, ``evidence/scope.py``): only a caller who may see sealed
footage reaches one; anyone else gets "not found", and the attempt is in the
ledger either way. Recordings a caller may not see at all (another officer's,
for a supervisor) are "not found" as well.

Categories: the compliance engine only ever raises a recording's category by
the policy's rank and never overrides one the policy does not rank, so a
category set here that is more protective than the footage's activities need
stays. Setting a lower one is a retention decision: the reason is required
(as for every change here) and the ledger keeps the old and the new category
with ``"lowered": true``; a later compliance run raises it again if an
activity the recording belongs to still calls for more.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody, events
from openbwc.custody import Actor
from openbwc.evidence import repository as repo
from openbwc.evidence import service
from openbwc.evidence.events import CaseClosed, RecordingCaseLinked, RecordingClassified, RecordingTagged
from openbwc.evidence.models import UNCATEGORIZED, Case, CaseLink, Category, Recording, RecordingTag
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.policy import service as policy_service

TAG_RE = re.compile(r"^[a-z0-9_ -]{1,60}$")
CASE_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9._:-]{0,59}$")
MAX_REASON = 2000
MAX_TITLE = 200
# A category the policy does not rank (an agency's own) counts as the highest, as in the compliance engine.
UNRANKED = 1 << 30
MAX_AT_ONCE = 100


# --- input ------------------------------------------------------------------------------


def normalise_tag(text: str) -> str:
    """Lowercase, inner spaces collapsed; 1-60 of a-z 0-9 - _ and space, or TAG_INVALID."""
    tag = " ".join(str(text).split()).lower()
    if not TAG_RE.match(tag):
        raise ValidationFailed(
            f"tag {text!r} is not valid: use 1 to 60 letters a-z, digits, '-', '_' or spaces",
            code="TAG_INVALID",
            detail={"tag": str(text)[:100]},
        )
    return tag


def normalise_case_number(text: str) -> str:
    number = str(text).strip().upper()
    if not CASE_NUMBER_RE.match(number):
        raise ValidationFailed(
            f"case number {text!r} is not valid: 1 to 60 letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit",
            code="CASE_NUMBER_INVALID",
            detail={"number": str(text)[:100]},
        )
    return number


def _reason(text: str | None, *, required: bool) -> str | None:
    reason = (text or "").strip()
    if not reason:
        if required:
            raise ValidationFailed("give a reason (it goes to the custody ledger)", code="REASON_REQUIRED")
        return None
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"the reason is longer than {MAX_REASON} characters", code="REASON_TOO_LONG")
    return reason


def _recording(session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str, *, via: str) -> Recording:
    """The recording to change, read as every route reads one: through the caller's row scope."""
    rid = recording_id if isinstance(recording_id, uuid.UUID) else service.parse_recording_id(recording_id)
    return get_recording(session, rid, viewer, via=via)


def _record(
    session: Session, actor: Actor, action: str, rec: Recording, reason: str | None, details: dict[str, Any]
) -> None:
    custody.record(
        session,
        actor=actor,
        action=action,
        object_type="evidence",
        object_id=str(rec.id),
        evidence_sha256=repo.first_segment_sha256(session, rec.id),
        reason=reason,
        details=details,
    )


# --- category ---------------------------------------------------------------------------


@dataclass
class CategoryChange:
    recording: Recording
    old: str
    new: str
    changed: bool
    lowered: bool


def selectable_categories(session: Session) -> list[str]:
    """Codes one may set: the agency's categories and the policy in force's, never "uncategorized"."""
    rules = policy_service.active(session).rules
    return sorted((set(repo.category_codes(session)) | set(rules.category_names)) - {UNCATEGORIZED})


def categorize(
    session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str, code: str, reason: str | None
) -> CategoryChange:
    """Set a recording's retention category (a code of evidence_categories or of the policy in force)."""
    why = _reason(reason, required=True)
    wanted = str(code).strip()
    rec = _recording(session, actor, viewer, recording_id, via="categorize")
    rules = policy_service.active(session).rules
    if repo.category(session, wanted) is None:
        # Policy category ids are lowercase; an agency's own code is taken as spelled when it exists.
        wanted = wanted.lower()
    if wanted == UNCATEGORIZED:
        raise ValidationFailed(
            "a recording cannot be made uncategorized again: choose a category",
            code="CATEGORY_NOT_SELECTABLE",
            detail={"categories": selectable_categories(session)},
        )
    if repo.category(session, wanted) is None:
        if wanted not in rules.category_names:
            raise ValidationFailed(
                f"no retention category {code!r}",
                code="UNKNOWN_CATEGORY",
                detail={"categories": selectable_categories(session)},
            )
        # The policy's categories become rows when first used (as the compliance engine does).
        session.add(Category(code=wanted, name=rules.category_names[wanted][:120]))
        session.flush()
    old = rec.category_code
    if old == wanted:
        return CategoryChange(rec, old, wanted, changed=False, lowered=False)
    rank = rules.category_rank
    lowered = rank.get(wanted, UNRANKED) < rank.get(old, UNRANKED)
    rec.category_code = wanted
    session.flush()
    _record(
        session,
        actor,
        "evidence:recording:categorize",
        rec,
        why,
        {"from": old, "to": wanted, "lowered": lowered, "by": "hand", "policy_version": rules.version},
    )
    events.publish(session, RecordingClassified(rec.id, old, wanted))
    return CategoryChange(rec, old, wanted, changed=True, lowered=lowered)


# --- tags -------------------------------------------------------------------------------


@dataclass
class TagChange:
    recording: Recording
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _check_policy_tags(session: Session, tags: Sequence[str], *, may_use_policy_tags: bool) -> None:
    """Tags the recording policy acts on (PRO-1 seals footage tagged so) are a classification decision.

    An officer may tag their own footage, but not seal it: a tag that would hide a
    recording from supervisors needs evidence:recordings:classify.
    """
    if may_use_policy_tags:
        return
    rules = policy_service.active(session).rules
    reserved = sorted(set(tags) & rules.first_amendment_tags)
    # ACC-3: an incident type gates the officer's own viewing until the report; not theirs to remove.
    gated = sorted(set(tags) & rules.viewing_before_report_types)
    if gated and not reserved:
        raise PermissionDenied(
            f"the tag(s) {', '.join(gated)} are incident types of the recording policy "
            f"({rules.viewing_before_report_rule}: no viewing before the report): "
            "only a custodian or supervisor may set or remove them",
            code="TAG_RESERVED",
            detail={"tags": gated},
        )
    if reserved:
        raise PermissionDenied(
            f"the tag(s) {', '.join(reserved)} put footage under the recording policy's seal (PRO-1): "
            "only a custodian or supervisor may set or remove them",
            code="TAG_RESERVED",
            detail={"tags": reserved},
        )


def add_tags(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    recording_id: uuid.UUID | str,
    tags: Sequence[str],
    reason: str | None = None,
    *,
    may_use_policy_tags: bool = True,
) -> TagChange:
    """Add tags to a recording; tags already there are reported, not added again."""
    if not tags:
        raise ValidationFailed("give at least one tag", code="NO_TAGS")
    if len(tags) > MAX_AT_ONCE:
        raise ValidationFailed(f"at most {MAX_AT_ONCE} tags at once", code="TOO_MANY_TAGS")
    wanted = list(dict.fromkeys(normalise_tag(t) for t in tags))
    why = _reason(reason, required=False)
    _check_policy_tags(session, wanted, may_use_policy_tags=may_use_policy_tags)
    rec = _recording(session, actor, viewer, recording_id, via="tag")
    out = TagChange(rec)
    now = utcnow()
    for tag in wanted:
        if repo.recording_tag(session, rec.id, tag) is not None:
            out.unchanged.append(tag)
            continue
        session.add(RecordingTag(recording_id=rec.id, tag=tag, added_at=now, added_by=actor.id))
        out.changed.append(tag)
    if out.changed:
        session.flush()
        _record(session, actor, "evidence:recording:tag", rec, why, {"added": out.changed})
        # A policy tag (first_amendment) seals in this same transaction (PRO-1; compliance subscribes).
        events.publish(session, RecordingTagged(rec.id, added=tuple(out.changed)))
    out.tags = repo.tags_of(session, [rec.id])[rec.id]
    return out


def remove_tag(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    recording_id: uuid.UUID | str,
    tag: str,
    reason: str | None = None,
    *,
    may_use_policy_tags: bool = True,
) -> TagChange:
    """Remove a tag; removing one that is not there changes nothing."""
    name = normalise_tag(tag)
    why = _reason(reason, required=False)
    _check_policy_tags(session, [name], may_use_policy_tags=may_use_policy_tags)
    rec = _recording(session, actor, viewer, recording_id, via="untag")
    out = TagChange(rec)
    row = repo.recording_tag(session, rec.id, name)
    if row is None:
        out.unchanged.append(name)
    else:
        session.delete(row)
        session.flush()
        out.changed.append(name)
        _record(
            session,
            actor,
            "evidence:recording:untag",
            rec,
            why,
            {"removed": name, "added_by": row.added_by, "added_at": row.added_at.isoformat()},
        )
        events.publish(session, RecordingTagged(rec.id, removed=(name,)))
    out.tags = repo.tags_of(session, [rec.id])[rec.id]
    return out


# --- cases ------------------------------------------------------------------------------


def create_case(session: Session, actor: Actor, number: str, title: str) -> tuple[Case, bool]:
    """Open a case. The same number with the same title again is a no-op; with another title, a conflict."""
    num = normalise_case_number(number)
    name = " ".join(str(title).split())
    if not name or len(name) > MAX_TITLE:
        raise ValidationFailed(f"give the case a title of 1 to {MAX_TITLE} characters", code="CASE_TITLE_INVALID")
    existing = repo.case_by_number(session, num)
    if existing is not None:
        if existing.title == name:
            return existing, False
        raise Conflict(
            f"case {num} already exists, titled {existing.title!r}",
            code="CASE_EXISTS",
            detail={"number": num, "title": existing.title},
        )
    case = Case(number=num, title=name, created_at=utcnow())
    session.add(case)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="evidence:case:create",
        object_type="case",
        object_id=num,
        details={"id": str(case.id), "title": name},
    )
    return case, True


def get_case(session: Session, number: str) -> Case:
    num = normalise_case_number(number)
    case = repo.case_by_number(session, num)
    if case is None:
        raise NotFound(f"no case {num}", code="CASE_NOT_FOUND", detail={"number": num})
    return case


def list_cases(
    session: Session, actor: Actor, viewer: Viewer, *, search: str | None, limit: int, offset: int
) -> tuple[list[tuple[Case, int]], int]:
    """Cases with how many of their recordings the caller may see; the listing is a custody event."""
    text = (search or "").strip() or None
    rows, total = repo.list_cases(session, search=text, limit=limit, offset=offset)
    counts = repo.case_recording_counts(session, viewer, [c.id for c in rows])
    custody.record(
        session,
        actor=actor,
        action="evidence:case:list",
        object_type="query",
        object_id="cases",
        details={"search": text, "returned": [c.number for c in rows], "total": total},
    )
    return [(c, counts[c.id]) for c in rows], total


def recording_count(session: Session, viewer: Viewer, case: Case) -> int:
    return repo.case_recording_counts(session, viewer, [case.id])[case.id]


@dataclass
class CaseView:
    case: Case
    recordings: list[service.RecordingView]
    total: int


def show_case(
    session: Session, actor: Actor, viewer: Viewer, number: str, *, limit: int = 100, offset: int = 0
) -> CaseView:
    """A case and the recordings linked to it that the caller may see; reading them is a custody event."""
    case = get_case(session, number)
    rows, total = repo.case_recordings(session, viewer, case.id, limit=limit, offset=offset)
    custody.record(
        session,
        actor=actor,
        action="evidence:case:read",
        object_type="case",
        object_id=case.number,
        details={"returned": [str(r.id) for r in rows], "total": total},
    )
    return CaseView(case, service.describe(session, list(rows)), total)


@dataclass
class LinkChange:
    case: Case
    changed: list[uuid.UUID] = field(default_factory=list)
    unchanged: list[uuid.UUID] = field(default_factory=list)


def link(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    number: str,
    recording_ids: Sequence[uuid.UUID | str],
    reason: str | None = None,
) -> LinkChange:
    """Link recordings to a case. Every recording is checked before any link is made."""
    if not recording_ids:
        raise ValidationFailed("give at least one recording", code="NO_RECORDINGS")
    if len(recording_ids) > MAX_AT_ONCE:
        raise ValidationFailed(f"at most {MAX_AT_ONCE} recordings at once", code="TOO_MANY_RECORDINGS")
    why = _reason(reason, required=False)
    case = get_case(session, number)
    recs: dict[uuid.UUID, Recording] = {}
    for ref in recording_ids:
        rec = _recording(session, actor, viewer, ref, via=f"case link {case.number}")
        recs.setdefault(rec.id, rec)
    out = LinkChange(case)
    now = utcnow()
    for rec in recs.values():
        if repo.case_link(session, case.id, rec.id) is not None:
            out.unchanged.append(rec.id)
            continue
        session.add(CaseLink(case_id=case.id, recording_id=rec.id, linked_at=now, linked_by=actor.id))
        session.flush()
        _record(session, actor, "evidence:case:link", rec, why, {"case": case.number})
        events.publish(session, RecordingCaseLinked(rec.id, case.number, linked=True))
        out.changed.append(rec.id)
    return out


def unlink(
    session: Session, actor: Actor, viewer: Viewer, number: str, recording_id: uuid.UUID | str, reason: str | None
) -> LinkChange:
    """Take a recording off a case (a retention matter: the reason is required); not linked is a no-op."""
    why = _reason(reason, required=True)
    case = get_case(session, number)
    rec = _recording(session, actor, viewer, recording_id, via=f"case unlink {case.number}")
    out = LinkChange(case)
    row = repo.case_link(session, case.id, rec.id)
    if row is None:
        out.unchanged.append(rec.id)
        return out
    session.delete(row)
    session.flush()
    _record(
        session,
        actor,
        "evidence:case:unlink",
        rec,
        why,
        {"case": case.number, "linked_by": row.linked_by, "linked_at": row.linked_at.isoformat()},
    )
    events.publish(session, RecordingCaseLinked(rec.id, case.number, linked=False))
    out.changed.append(rec.id)
    return out


# --- closing and reopening --------------------------------------------------------------


@dataclass
class CaseClosing:
    case: Case
    closed: bool
    recordings: list[uuid.UUID] = field(default_factory=list)


def _closing_entries(
    session: Session, actor: Actor, case: Case, action: str, why: str, details: dict[str, Any]
) -> list[uuid.UUID]:
    """One ledger entry for the case and one per linked recording (its retention changes), as linking writes."""
    ids = repo.case_recording_ids(session, case.id)
    custody.record(
        session,
        actor=actor,
        action=action,
        object_type="case",
        object_id=case.number,
        reason=why,
        details={**details, "recordings": len(ids)},
    )
    service.record_each(session, actor, action, ids, reason=why, details={**details, "case": case.number})
    return ids


def _locked_case(session: Session, number: str) -> Case:
    """The case, its row locked till commit: two people closing at once cannot both succeed."""
    case = get_case(session, number)
    session.refresh(case, with_for_update=True)
    return case


def close_case(session: Session, actor: Actor, number: str, reason: str | None) -> CaseClosing:
    """Close a case: the evidentiary retention period of its recordings runs from now (RET-3).

    The reason is required; closing a closed case is refused (409 ``CASE_ALREADY_CLOSED``)
    and changes nothing. Retention recomputes the recordings' dates in this transaction.
    """
    why = _reason(reason, required=True)
    assert why is not None
    case = _locked_case(session, number)
    if case.closed_at is not None:
        raise Conflict(
            f"case {case.number} was already closed on {case.closed_at.date().isoformat()}: "
            "reopen it first to close it again",
            code="CASE_ALREADY_CLOSED",
            detail={"number": case.number, "closed_at": case.closed_at.isoformat()},
        )
    now = utcnow()
    case.closed_at, case.closed_by, case.closed_by_name, case.close_reason = now, actor.id, actor.name, why
    session.flush()
    ids = _closing_entries(session, actor, case, "evidence:case:close", why, {"closed_at": now.isoformat()})
    events.publish(session, CaseClosed(case.number, tuple(ids), closed=True))
    return CaseClosing(case, closed=True, recordings=ids)


def reopen_case(session: Session, actor: Actor, number: str, reason: str | None) -> CaseClosing:
    """Reopen a closed case: its evidentiary recordings are kept again until it closes anew.

    The reason is required; reopening an open case is refused (409 ``CASE_NOT_CLOSED``).
    The earlier closing stays in the custody ledger.
    """
    why = _reason(reason, required=True)
    assert why is not None
    case = _locked_case(session, number)
    if case.closed_at is None:
        raise Conflict(
            f"case {case.number} is open: only a closed case can be reopened",
            code="CASE_NOT_CLOSED",
            detail={"number": case.number},
        )
    was = {
        "was_closed_at": case.closed_at.isoformat(),
        "was_closed_by": case.closed_by_name or case.closed_by,
        "was_close_reason": case.close_reason,
    }
    case.closed_at = case.closed_by = case.closed_by_name = case.close_reason = None
    session.flush()
    ids = _closing_entries(session, actor, case, "evidence:case:reopen", why, was)
    events.publish(session, CaseClosed(case.number, tuple(ids), closed=False))
    return CaseClosing(case, closed=False, recordings=ids)
