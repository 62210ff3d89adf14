"""Rehashing stored objects: `bwc verify` and the weekly sample the server runs."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence import repository as repo
from openbwc.evidence.models import EvidenceObject
from openbwc.evidence.service import parse_recording_id
from openbwc.kit.errors import NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.storage import ObjectStore
from openbwc.storage.base import Progress


@dataclass
class VerifyProblem:
    sha256: str
    key: str
    kind: str  # missing | mismatch
    actual_sha256: str | None
    recordings: list[str]


@dataclass
class VerifyReport:
    checked: int = 0
    bytes: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_objects(
    session: Session,
    store: ObjectStore,
    actor: Actor,
    objects: list[EvidenceObject],
    *,
    scope: str,
    progress: Progress | None = None,
    on_object: Callable[[EvidenceObject], None] | None = None,
) -> VerifyReport:
    """Rehash each object in the store; every mismatch or missing object is a ledger entry, the run is one more."""
    report = VerifyReport()
    now = utcnow()
    for obj in objects:
        if on_object is not None:
            on_object(obj)
        result = store.verify(obj.storage_key, progress=progress)
        report.checked += 1
        report.bytes += result.size or 0
        obj.last_verified_at = now
        obj.last_verify_ok = result.ok
        if result.ok:
            continue
        kind = "missing" if result.missing else "mismatch"
        recordings = [str(r.id) for r in repo.recordings_with_object(session, obj.id)]
        report.problems.append(VerifyProblem(obj.sha256, obj.storage_key, kind, result.actual_sha256, recordings))
        custody.record(
            session,
            actor=actor,
            action="evidence:object:verify",
            object_type="evidence",
            object_id=recordings[0] if recordings else obj.sha256,
            evidence_sha256=obj.sha256,
            outcome="failure",
            reason="OBJECT_MISSING" if result.missing else "HASH_MISMATCH",
            details={"key": obj.storage_key, "actual_sha256": result.actual_sha256, "recordings": recordings},
        )
    custody.record(
        session,
        actor=actor,
        action="evidence:verify:run",
        object_type="store",
        object_id=store.url,
        outcome="success" if report.ok else "failure",
        details={
            "scope": scope,
            "checked": report.checked,
            "bytes": report.bytes,
            "problems": [{"sha256": p.sha256, "kind": p.kind} for p in report.problems],
        },
    )
    return report


def objects_for(session: Session, ids: list[str]) -> list[EvidenceObject]:
    """Objects of the named recordings (evidence ids) or objects named by SHA-256."""
    out: dict[uuid.UUID, EvidenceObject] = {}
    for value in ids:
        value = value.strip().lower()
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            obj = repo.object_by_sha256(session, value)
            if obj is None:
                raise NotFound(f"no stored object with SHA-256 {value}", code="OBJECT_NOT_FOUND")
            out[obj.id] = obj
            continue
        rid = parse_recording_id(value)
        if repo.recording_unscoped(session, rid) is None:
            raise NotFound(f"no recording {value}", code="RECORDING_NOT_FOUND")
        for obj in repo.objects_of_recordings(session, [rid]):
            out[obj.id] = obj
    return list(out.values())


def sample_objects(session: Session, percent: float, rng: random.Random | None = None) -> list[EvidenceObject]:
    """A uniform random ``percent`` of all objects (at least one when there are any)."""
    if not 0 < percent <= 100:
        raise ValidationFailed("--sample must be a percentage above 0 and at most 100", code="INVALID_SAMPLE")
    ids = repo.all_object_ids(session)
    if not ids:
        return []
    k = min(len(ids), max(1, math.ceil(len(ids) * percent / 100)))
    chosen = (rng or random.SystemRandom()).sample(ids, k)
    return repo.objects_by_ids(session, chosen)


def verify_sample(
    session: Session, store: ObjectStore, actor: Actor, percent: float, progress: Progress | None = None
) -> VerifyReport:
    """What the server runs weekly (queued by :mod:`openbwc.evidence.tasks`)."""
    return verify_objects(
        session, store, actor, sample_objects(session, percent), scope=f"sample {percent:g}%", progress=progress
    )
