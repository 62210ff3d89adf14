"""PRO-1 at the door: every attempt to reach a sealed recording is in the ledger, whatever the route.

Routes refuse by themselves: every read of a recording goes through the caller's
row scope (``evidence/scope.py``), which answers a sealed recording exactly as a
missing one to everyone but oversight. This app-wide dependency adds what a route
cannot: it ledgers the attempt for any id in the request's path or query that
names a sealed recording, directly or through a row of one (a redaction, a derived
item, a transcript, a job: :func:`openbwc.evidence.scope.owners_of`), also when
the request then fails before the route reads anything (no log-on, a permission
the caller lacks, a bad body). Its entries are committed in a unit of work of
their own, so they stay whatever the route does.

It never answers in the route's place, so it cannot tell anyone anything: not
before the permission check, not before the route's own "not found". As defence
in depth only, should a route ever *succeed* in serving a sealed recording named
in its path to a caller without ``evidence:sealed:read`` (a route that forgot
the row scope), the guard turns that answer into "not found" after the route has
run, and logs it as the bug it is.

Lists and searches have no id to guard: they filter with the row scope.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from fastapi import Request
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.scope import owners_of, recording_not_found
from openbwc.kit.errors import AuthenticationFailed
from openbwc.policy import seals
from openbwc.policy.models import RecordingSeal
from openbwc.web.http import DB, client_addr, request_id

MAX_IDS = 20
log = logging.getLogger("openbwc.compliance.guard")


def _parse(values: list[str]) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for value in values[:MAX_IDS]:
        for part in value.replace(",", " ").split():
            try:
                out.append(uuid.UUID(part))
            except ValueError:
                continue
    return out


def _path_ids(request: Request) -> list[uuid.UUID]:
    return _parse([str(v) for v in request.path_params.values()])


def _uuids(request: Request) -> list[uuid.UUID]:
    return _path_ids(request) + _parse([v for _, v in request.query_params.multi_items()])


def sealed_recordings_named(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each of these ids that names a sealed recording (itself or through a row of one), those recordings."""
    if not ids or not db.scalar(select(exists().where(RecordingSeal.recording_id.is_not(None)))):
        return {}
    owners = owners_of(db, ids)
    sealed = seals.sealed_among(db, {r for rids in owners.values() for r in rids})
    return {i: rids & sealed for i, rids in owners.items() if rids & sealed}


def _ledger_attempts(request: Request, sealed: set[uuid.UUID], db: Session) -> bool:
    """Ledger one attempt per sealed recording; returns whether the caller may see sealed footage."""
    via = f"{request.method} {request.url.path}"
    try:
        caller = request.app.state.access.authenticate(request, db)
    except AuthenticationFailed:
        # Even an attempt without a log-on is in the ledger (PRO-1: every attempt); the
        # route refuses it as it refuses any request without one.
        actor = Actor("anonymous", "not logged on", request_id(request), client_addr(request))
        for rid in sorted(sealed):
            custody.record(
                db,
                actor=actor,
                action=seals.ACCESS_ACTION,
                object_type="recording",
                object_id=str(rid),
                outcome="denied",
                details={"via": via, "reason": "not logged on"},
            )
        return False
    may = bool(caller.can(seals.SEALED_READ))
    seals.record_attempts(
        db, actor=caller.actor(request_id(request), client_addr(request)), may_see_sealed=may, recording_ids=sealed,
        via=via,
    )
    return may


def sealed_guard(request: Request, db: Session = DB) -> Iterator[None]:
    """App-wide dependency: ledger every attempt on a sealed recording; never answer for the route."""
    named: dict[uuid.UUID, set[uuid.UUID]] = {}
    may = True
    ids = _uuids(request)
    if ids:
        own: Session = request.app.state.session_factory()
        try:
            named = sealed_recordings_named(own, ids)
            if named:
                sealed = set().union(*named.values())
                may = _ledger_attempts(request, sealed, own)
                own.commit()
                # The route's own reads of these recordings are not ledgered a second time.
                seals.door_ledgered(db, sealed)
        finally:
            own.close()
    yield
    # Reached only when the route answered without an error.
    if not may:
        leaked = [i for i in _path_ids(request) if named.get(i)]
        if leaked:
            log.error("%s %s served sealed footage past the row scope", request.method, request.url.path)
            raise recording_not_found(leaked[0])
