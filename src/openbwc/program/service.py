"""Rollout: phases, what each plans per office, and how far the program has got.

Progress per office compares planned cameras with cameras issued to officers of
the phase's divisions, and officers needed with officers whose BWC training is
current (cameras go only to trained officers: POLICY.md MET-1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import repository as devices_repo
from openbwc.devices import service as devices
from openbwc.kit.errors import NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.org import service as org
from openbwc.program import repository as repo
from openbwc.program.models import RolloutPhase, RolloutTarget


def get_phase(session: Session, number: int) -> RolloutPhase:
    found = repo.phase(session, number)
    if found is None:
        known = ", ".join(str(p.number) for p in repo.phases(session)) or "none yet"
        raise NotFound(f"no rollout phase {number}; phases: {known}", code="UNKNOWN_PHASE")
    return found


def plan_phase(
    session: Session,
    actor: Actor,
    *,
    number: int,
    name: str,
    divisions: list[str],
    targets: Mapping[str, tuple[int, int | None]],
    description: str = "",
) -> RolloutPhase:
    """Create or replace phase ``number``: per office (planned cameras, officers needed or None = same)."""
    if not 1 <= number <= 99:
        raise ValidationFailed("a phase number is between 1 and 99", code="INVALID_PHASE")
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed("a phase name must be 1 to 120 characters", code="INVALID_PHASE")
    div_codes = sorted({org.require_division(session, d).code for d in divisions if d.strip()})
    if not div_codes:
        raise ValidationFailed("name at least one division the phase equips (e.g. ERO,HSI)", code="INVALID_PHASE")
    if not targets:
        raise ValidationFailed("plan at least one office (e.g. --office BAL=300)", code="INVALID_PHASE")
    rows: dict[str, RolloutTarget] = {}
    for key, (planned, needed) in targets.items():
        office = org.require_office(session, key)
        if planned < 0 or (needed is not None and needed < 0):
            raise ValidationFailed(f"{office.code}: counts cannot be negative", code="INVALID_PHASE")
        if office.code in rows:
            raise ValidationFailed(f"{office.code} is planned twice", code="INVALID_PHASE")
        rows[office.code] = RolloutTarget(
            phase_number=number,
            office_code=office.code,
            planned_cameras=planned,
            officers_needed=planned if needed is None else needed,
        )
    phase = repo.phase(session, number)
    created = phase is None
    if phase is None:
        phase = RolloutPhase(number=number, name=name, divisions=",".join(div_codes), description=description)
        session.add(phase)
        session.flush()
    else:
        phase.name, phase.divisions, phase.description = name, ",".join(div_codes), description
    repo.replace_targets(session, number, list(rows.values()))
    custody.record(
        session,
        actor=actor,
        action="program:phase:plan",
        object_type="rollout_phase",
        object_id=str(number),
        details={
            "created": created,
            "name": name,
            "divisions": div_codes,
            "targets": {c: [t.planned_cameras, t.officers_needed] for c, t in sorted(rows.items())},
        },
    )
    return phase


@dataclass(frozen=True)
class OfficeProgress:
    office_code: str
    office_name: str
    planned_cameras: int
    issued_cameras: int
    officers_needed: int
    trained_officers: int
    active_officers: int
    silent_cameras: int

    @property
    def issued_share(self) -> float:
        return self.issued_cameras / self.planned_cameras if self.planned_cameras else 0.0

    @property
    def trained_share(self) -> float:
        return self.trained_officers / self.officers_needed if self.officers_needed else 0.0


@dataclass(frozen=True)
class PhaseProgress:
    phase: RolloutPhase
    offices: list[OfficeProgress]

    def total(self, attr: str) -> int:
        return sum(getattr(o, attr) for o in self.offices)


def rollout_progress(session: Session, now: datetime | None = None) -> list[PhaseProgress]:
    """Each phase, per office: planned vs issued cameras, needed vs trained officers."""
    now = now or utcnow()
    issued = devices_repo.issued_by_office_division(session)
    people = {(o, d): (n, t) for o, d, n, t in org_repo.office_counts(session, now)}
    silent = devices_repo.count_silent(session, devices.silent_cutoff(session, now))
    names = {o.code: o.name for o in org_repo.offices(session)}
    out = []
    for phase in repo.phases(session):
        divs = phase.division_codes
        offices = []
        for t in repo.targets(session, phase.number):
            offices.append(
                OfficeProgress(
                    office_code=t.office_code,
                    office_name=names.get(t.office_code, t.office_code),
                    planned_cameras=t.planned_cameras,
                    issued_cameras=sum(issued.get((t.office_code, d), 0) for d in divs),
                    officers_needed=t.officers_needed,
                    trained_officers=sum(people.get((t.office_code, d), (0, 0))[1] for d in divs),
                    active_officers=sum(people.get((t.office_code, d), (0, 0))[0] for d in divs),
                    silent_cameras=silent.get(t.office_code, 0),
                )
            )
        out.append(PhaseProgress(phase, offices))
    return out
