"""Row scope: which recordings a caller may see, for every read of evidence, media, compliance and jobs.

One :class:`Viewer` per caller carries both rules: whose recordings (an officer
their own, a supervisor their reports', ``read_all`` everyone's) and PRO-1 (sealed
First Amendment footage for oversight alone). One recording is read through
:func:`get_recording` and nothing else; a list filters with :meth:`Viewer.visible`.
Hidden and missing answer alike: the same status, code and message, naming only
the id that was asked for. Domains below evidence (jobs, the custody ledger) get
the same rule through ``kit.scope``, installed by :func:`register`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, select, true
from sqlalchemy.orm import Session

from openbwc.custody import Actor
from openbwc.custody.actor import cli_actor
from openbwc.evidence.models import EvidenceObject, Recording, Segment
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.identity.service import Principal
from openbwc.kit.errors import NotFound
from openbwc.org.models import Person
from openbwc.policy import seals

READ_ALL = EvidencePermissions.RECORDINGS_READ_ALL


@dataclass(frozen=True)
class Viewer:
    """Who is looking at recordings, and which ones they may see (deny by default).

    The one row scope of every read of evidence, media, compliance and jobs: a single
    recording through :func:`get_recording`, lists through :meth:`visible`. It carries
    the PRO-1 rule too, so sealed footage is filtered by the query itself, and it
    ledgers every attempt on a sealed recording in the name of ``actor`` (None only
    for the platform's own jobs, whose reads of footage are ledgered as they happen).
    Build one with :func:`openbwc.evidence.service.viewer_for`, :func:`operator` or
    :func:`platform`.
    """

    actor: Actor | None
    # Every recording (evidence:recordings:read_all), or those of the listed people.
    everything: bool = False
    person_ids: frozenset[uuid.UUID] = frozenset()
    # PRO-1: may see recordings sealed as First Amendment footage (oversight alone).
    sealed: bool = False

    def visible(self, recording_id_column: Any) -> ColumnElement[bool]:
        """A WHERE clause over any column holding a recording id: true where this viewer may see it."""
        clauses: list[ColumnElement[bool]] = []
        if not self.sealed:
            clauses.append(seals.visible(recording_id_column, may_see_sealed=False))
        if not self.everything:
            if not self.person_ids:
                return false()
            if recording_id_column is Recording.id:
                clauses.append(Recording.officer_id.in_(self.person_ids))
            else:
                mine = select(Recording.id).where(Recording.officer_id.in_(self.person_ids))
                clauses.append(recording_id_column.in_(mine))
        return and_(true(), *clauses)

    def attempted(self, session: Session, recording_ids: Iterable[uuid.UUID], *, via: str) -> set[uuid.UUID]:
        """Ledger this viewer's attempt on each sealed recording among these; returns the sealed ones."""
        ids = set(recording_ids)
        if self.actor is None:
            return seals.sealed_among(session, ids)
        return seals.record_attempts(session, actor=self.actor, may_see_sealed=self.sealed, recording_ids=ids, via=via)

    def hides_item(self, session: Session, item: str, *, via: str) -> bool:
        """True when ``item`` (a recording's id or an id or SHA-256 of something of one) names a
        recording this viewer may not see (kit.scope, for the custody ledger's reports)."""
        named = recordings_named(session, item)
        if not named:
            return False
        self.attempted(session, named, via=via)
        shown = set(session.scalars(select(Recording.id).where(Recording.id.in_(named), self.visible(Recording.id))))
        return shown != named


def viewer_for(session: Session, principal: Principal, actor: Actor | None = None) -> Viewer:
    """A logged-on caller: all recordings with ``read_all``, else their own and their direct
    reports' (supervisors); sealed ones with ``evidence:sealed:read`` alone. Attempts on sealed
    footage are ledgered as ``actor`` (by default the principal, without request details)."""
    who = actor if actor is not None else principal.actor()
    sealed = principal.can(seals.SEALED_READ)
    if principal.can(READ_ALL):
        return Viewer(who, everything=True, sealed=sealed)
    me = session.scalar(select(Person).where(Person.account_id == principal.account_id))
    if me is None:
        return Viewer(who, sealed=sealed)
    reports = session.scalars(select(Person.id).where(Person.supervisor_id == me.id))
    return Viewer(who, person_ids=frozenset({me.id, *reports}), sealed=sealed)


def every_recording(principal: Principal, actor: Actor | None = None) -> Viewer:
    """A caller whose permission is about every recording's metadata, not its footage (compliance
    placement and findings, for program managers too): every recording, sealed ones to oversight alone."""
    return Viewer(actor or principal.actor(), everything=True, sealed=principal.can(seals.SEALED_READ))


def operator(actor: Actor) -> Viewer:
    """The operator at the server's shell (`bwc ...`): every recording, but sealed ones (PRO-1)
    only to oversight, which a shell is not. Attempts are ledgered as denied."""
    return Viewer(actor, everything=True, sealed=False)


def platform() -> Viewer:
    """The platform's own work (jobs making proxies, the compliance engine): everything."""
    return Viewer(None, everything=True, sealed=True)


def recording_not_found(recording_id: uuid.UUID | str) -> NotFound:
    """The one answer for a recording that does not exist and for one the caller may not see."""
    return NotFound(
        f"no recording {recording_id}", code="RECORDING_NOT_FOUND", detail={"recording_id": str(recording_id)}
    )


def get_recording(session: Session, recording_id: uuid.UUID, viewer: Viewer, *, via: str = "read") -> Recording:
    """The recording, if this viewer may see it; else "not found", exactly as for one that does not
    exist (no existence oracle). An attempt on a sealed one is ledgered and the entry kept."""
    rec = session.scalar(select(Recording).where(Recording.id == recording_id, viewer.visible(Recording.id)))
    sealed = viewer.attempted(session, [recording_id], via=via)
    if rec is None:
        refused = recording_not_found(recording_id)
        refused.keep_changes = bool(sealed)
        raise refused
    return rec


def visible_recording_ids(session: Session, recording_ids: Iterable[uuid.UUID], viewer: Viewer) -> set[uuid.UUID]:
    """Which of these recordings the viewer may see (one query per 500)."""
    ids = sorted(set(recording_ids))
    out: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        out.update(session.scalars(select(Recording.id).where(Recording.id.in_(part), viewer.visible(Recording.id))))
    return out


# --- rows that belong to a recording ----------------------------------------------------

# Keys other than a table's own ``id`` that name a recording's row: a segment's stored
# object, the recordings a job is about. Named, not imported: jobs sit below evidence.
_EXTRA_KEYS = {"recording_segments": "object_id", "job_recordings": "job_id"}


@lru_cache(maxsize=1)
def _owning_keys() -> tuple[tuple[Table, str], ...]:
    """(table, key column) for every table whose rows belong to one recording (a ``recording_id``
    column) and are reached by an id of their own: redactions, derived items, transcripts, jobs..."""
    from openbwc.db.base import Base

    out = []
    for table in Base.metadata.tables.values():
        cols = table.c
        if "recording_id" not in cols or table.name == "recordings":
            continue
        if "id" in cols and cols["id"].primary_key:
            out.append((table, "id"))
        if table.name in _EXTRA_KEYS:
            out.append((table, _EXTRA_KEYS[table.name]))
    return tuple(out)


@lru_cache(maxsize=1)
def _hashed_tables() -> tuple[Table, ...]:
    """Tables holding a file of a recording by SHA-256 (viewing copies, derived items)."""
    from openbwc.db.base import Base

    return tuple(
        t for t in Base.metadata.tables.values() if "recording_id" in t.c and "sha256" in t.c and t.name != "recordings"
    )


def owners_of(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each id that is a recording or names a row of one, the recordings it names."""
    wanted = sorted(set(ids))
    out: dict[uuid.UUID, set[uuid.UUID]] = {}
    if not wanted:
        return out
    for rid in session.scalars(select(Recording.id).where(Recording.id.in_(wanted))):
        out.setdefault(rid, set()).add(rid)
    for table, key in _owning_keys():
        stmt = select(table.c[key], table.c["recording_id"]).where(table.c[key].in_(wanted))
        for k, rid in session.execute(stmt):
            if rid is not None:
                out.setdefault(k, set()).add(rid)
    return out


def recordings_named(session: Session, item: str) -> set[uuid.UUID]:
    """The recordings ``item`` names: a recording's id, an id of a row of one, or the SHA-256 of
    one of its stored files, viewing copies or derived items."""
    text = item.strip()
    try:
        return owners_of(session, [uuid.UUID(text)]).get(uuid.UUID(text), set())
    except ValueError:
        pass
    digest = text.lower()
    if len(digest) != 64:
        return set()
    found = set(
        session.scalars(
            select(Segment.recording_id)
            .join(EvidenceObject, EvidenceObject.id == Segment.object_id)
            .where(EvidenceObject.sha256 == digest)
        )
    )
    for table in _hashed_tables():
        rows = session.scalars(select(table.c["recording_id"]).where(table.c["sha256"] == digest))
        found.update(r for r in rows if r is not None)
    return found


def resolve(session: Session, caller: Any, actor: Any) -> Viewer:
    if caller is None:
        # The shell; a layer that cannot name the custody actor leaves it to us.
        return operator(actor if actor is not None else cli_actor())
    return viewer_for(session, caller, actor)
