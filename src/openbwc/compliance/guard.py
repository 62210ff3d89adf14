"""PRO-1 at the door: no route hands out a sealed recording to anyone but oversight.

Installed by the app factory as an app-wide dependency, so it covers every
route that exists now and every route added later, API and console alike.
Any id in a request's path or query that names a sealed recording, or a row
that belongs to one (a segment's stored object, a proxy, a redaction, a
transcript: any table with a ``recording_id`` column), is checked: oversight
goes through, everyone else gets "not found", and either way the attempt is a
custody-ledger entry (:func:`openbwc.policy.seals.check_access`).

Lists and searches cannot be guarded here (no id in the request): they filter
with :func:`openbwc.policy.seals.visible`.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from fastapi import Request
from sqlalchemy import Table, exists, select, union_all
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.db.base import Base
from openbwc.kit.errors import AuthenticationFailed, NotFound
from openbwc.kit.http import client_addr, request_id
from openbwc.policy import seals
from openbwc.policy.models import RecordingSeal

MAX_IDS = 20


def _uuids(request: Request) -> list[uuid.UUID]:
    values = [str(v) for v in request.path_params.values()] + [v for _, v in request.query_params.multi_items()]
    out: list[uuid.UUID] = []
    for value in values[:MAX_IDS]:
        for part in value.replace(",", " ").split():
            try:
                out.append(uuid.UUID(part))
            except ValueError:
                continue
    return out


@lru_cache(maxsize=1)
def _owning_tables() -> tuple[Table, ...]:
    """Tables whose rows belong to one recording: an ``id`` key and a ``recording_id`` column."""
    out = []
    for table in Base.metadata.tables.values():
        cols = table.c
        if "recording_id" in cols and "id" in cols and cols["id"].primary_key and table.name != "recordings":
            out.append(table)
    segments = Base.metadata.tables.get("recording_segments")
    return tuple(out) + ((segments,) if segments is not None else ())


def sealed_recordings_named(db: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The sealed recordings these ids name, directly or through a row that belongs to one."""
    if not ids or not db.scalar(select(exists().where(RecordingSeal.recording_id.is_not(None)))):
        return set()
    found = seals.sealed_among(db, ids)
    selects = []
    for table in _owning_tables():
        key = table.c["object_id"] if table.name == "recording_segments" else table.c["id"]
        selects.append(select(table.c["recording_id"].label("rid")).where(key.in_(ids)))
    if selects:
        owners = {r for r in db.scalars(select(union_all(*selects).subquery().c.rid)) if r is not None}
        found |= seals.sealed_among(db, owners)
    return found


def sealed_guard(request: Request) -> None:
    """App-wide dependency: refuse sealed recordings to all but oversight, ledger every attempt.

    It works in a unit of work of its own, committed before the route runs: an
    attempt stays in the ledger even when the route then fails (a proxy not yet
    made, a form rejected), and the route's own transaction is not held open.
    """
    ids = _uuids(request)
    if not ids:
        return
    db: Session = request.app.state.session_factory()
    try:
        sealed = sealed_recordings_named(db, ids)
        if not sealed:
            return
        via = f"{request.method} {request.url.path}"
        try:
            caller = request.app.state.access.authenticate(request, db)
        except AuthenticationFailed:
            # Even an attempt without a log-on is in the ledger (PRO-1: every attempt).
            anonymous = Actor("anonymous", "not logged on", request_id(request), client_addr(request))
            for rid in sorted(sealed):
                custody.record(
                    db,
                    actor=anonymous,
                    action=seals.ACCESS_ACTION,
                    object_type="recording",
                    object_id=str(rid),
                    outcome="denied",
                    details={"via": via, "reason": "not logged on"},
                )
            db.commit()
            raise
        actor = caller.actor(request_id(request), client_addr(request))
        may = caller.can(seals.SEALED_READ)
        refused: NotFound | None = None
        for rid in sorted(sealed):
            try:
                seals.check_access(db, actor=actor, may_see_sealed=may, recording_id=rid, via=via)
            except NotFound as exc:
                refused = exc
        db.commit()
        if refused is not None:
            raise refused
    finally:
        db.close()
