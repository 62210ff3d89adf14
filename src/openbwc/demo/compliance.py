"""Seed a few hundred enforcement activities and their footage over the last four months.

Deterministic (a fixed seed) and idempotent. The mix is what audits of BWC
programs keep finding: most activities recorded in full, some activations late,
some cameras off early (a few with an accepted reason), gaps, activities with
no footage at all, exceptions with and without a supervisor's approval,
unsigned footage, cameras used by someone they were not issued to, and
protests recorded for no enforcement reason (sealed under PRO-1).

Recordings are stored as evidence ingest stores them (rows with flags and
tags) but without video files: the demo shows compliance, not playback.
Then one full evaluation runs, and last month's supervisor-review sample is drawn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc.compliance import activities, reviews, runs
from openbwc.compliance.activities import ActivityInput
from openbwc.custody import Actor
from openbwc.custody import service as custody_service
from openbwc.evidence.models import Recording, RecordingFlag, RecordingTag
from openbwc.kit.time import isoformat, utcnow
from openbwc.org.models import Person, PersonStatus

SEED = 20240112  # the ICE policy update of 2024-01-12
DEMO_ACTOR = Actor(id="system:demo", name="demo seed")
ACTIVITIES = 320
DAYS = 120
TYPES = [
    ("at_large_arrest", 14),
    ("investigatory_detention", 8),
    ("arrest_warrant", 16),
    ("subpoena_service", 5),
    ("search_warrant", 10),
    ("removal_order", 8),
    ("facility_protection", 5),
    ("facility_disturbance", 2),
    ("emergency_response", 6),
    ("public_interaction", 18),
    ("first_amendment_activity", 4),
    ("other", 4),
]
# Per officer on an activity: what the footage looks like.
OUTCOMES = [
    ("full", 66),
    ("late", 8),
    ("early", 6),
    ("early_ok", 4),
    ("gap", 4),
    ("none", 6),
    ("unsigned", 3),
    ("borrowed", 3),
]


@dataclass
class DemoCompliance:
    activities: int
    recordings: int
    pairs: int
    rate: float | None
    sealed: int
    drawn: int


def _pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


# One activity in this many is worked by the demo accounts' people (below).
FEATURED_EVERY = 6
DEMO_BADGES = ("E10001", "S30001")


def _featured(people: list[Person], supervisors: dict[Any, Person]) -> list[list[Person]]:
    """Crews for the people the demo accounts belong to: the demo officer with colleagues of
    their office, and the demo supervisor's own officers, so both see footage on log-on."""
    by_badge = {p.badge: p for p in people}
    groups = []
    officer = by_badge.get(DEMO_BADGES[0])
    if officer is not None:
        mates = [p for p in people if p.office_code == officer.office_code and p.id != officer.id
                 and p.id not in supervisors and p.supervisor_id is not None][:6]
        groups.append([officer, *mates])
    boss = by_badge.get(DEMO_BADGES[1])
    if boss is not None:
        team = [p for p in people if p.supervisor_id == boss.id and p.id not in supervisors]
        if team:
            groups.append(team)
    return groups


def seed(session: Session) -> DemoCompliance | None:
    """Activities, footage, one evaluation and a review draw; None when already seeded."""
    if session.scalar(select(Recording.id).where(Recording.source == "demo").limit(1)) is not None:
        return None
    rng = random.Random(SEED)
    people = session.scalars(select(Person).where(Person.status == PersonStatus.ACTIVE).order_by(Person.badge)).all()
    officers: dict[str, list[Person]] = {}
    supervisors = {p.id: p for p in people if p.title.startswith(("Supervisory", "Group Supervisor"))}
    for p in people:
        if p.id not in supervisors and p.supervisor_id is not None:
            officers.setdefault(p.office_code, []).append(p)
    if not officers:
        return None
    by_id = {p.id: p for p in people}
    featured = _featured(people, supervisors)
    now = utcnow().replace(second=0, microsecond=0)
    inputs: list[ActivityInput] = []
    plan: list[tuple[ActivityInput, list[Person]]] = []
    for i in range(ACTIVITIES):
        office = rng.choice(sorted(officers))
        kind = _pick(rng, TYPES)
        start = now - timedelta(days=rng.uniform(2, DAYS), hours=rng.uniform(0, 10))
        start = start.replace(hour=rng.randint(6, 19), second=0)
        duration = timedelta(minutes=rng.choice([15, 20, 30, 45, 60, 90, 120]))
        crew = rng.sample(officers[office], k=min(len(officers[office]), rng.choice([1, 2, 2, 3, 3, 4])))
        if featured and i % FEATURED_EVERY == 0:
            # The demo's own supervisor and officer log on to see their footage: give them some.
            group = featured[(i // FEATURED_EVERY) % len(featured)]
            office = group[0].office_code
            crew = [group[0], *rng.sample(group[1:], k=min(len(group) - 1, rng.choice([0, 1, 2])))]
        boss = by_id.get(crew[0].supervisor_id) if crew[0].supervisor_id else None
        roll = rng.random()
        exception = f"EXC-{rng.randint(1, 4)}" if roll < 0.06 else None
        approved = boss.badge if exception and roll < 0.035 and boss is not None else None
        item = ActivityInput(
            ref=f"DEMO-{i + 1:04d}",
            type=kind,
            office=office,
            started_at=start,
            ended_at=start + duration,
            officers=tuple(p.badge for p in crew),
            planned=kind in ("arrest_warrant", "search_warrant", "removal_order", "subpoena_service")
            or rng.random() < 0.5,
            exception=exception,
            approved_by=approved,
            first_amendment=kind == "first_amendment_activity"
            or (kind == "facility_protection" and rng.random() < 0.3),
            location=f"{office} area {rng.randint(1, 40)}",
        )
        inputs.append(item)
        plan.append((item, crew))
    result = activities.store(session, DEMO_ACTOR, inputs, "demo seed", "demo")

    recordings = 0
    for item, crew in plan:
        if item.exception and item.approved_by:
            continue  # an approved exception: nothing recorded, as the policy allows
        for person in crew:
            recordings += _footage(session, rng, item, person)
    # Footage of no activity at all: routine contacts for a custodian, and a few protests tagged as such.
    for _ in range(40):
        person = rng.choice(rng.choice(list(officers.values())))
        start = now - timedelta(days=rng.uniform(2, DAYS))
        tags = ("first_amendment",) if rng.random() < 0.15 else ()
        _add(session, person, start, start + timedelta(minutes=rng.randint(3, 25)), tags=tags)
        recordings += 1
    session.flush()
    _ledger_intake(session)
    summary = runs.run(session, DEMO_ACTOR)
    drawn = reviews.draw(session, DEMO_ACTOR, reviews.previous_month(now), seed=SEED).drawn
    return DemoCompliance(result.created, recordings, summary.pairs, summary.compliance_rate, summary.sealed, drawn)


def _ledger_intake(session: Session) -> None:
    """Give each demo recording its intake entry, as ingest would, so its custody report starts there.

    The demo has footage metadata only (no files): the entry says so. One bulk
    append through the ledger's own tree code, not one record() per recording.
    """
    rows = session.execute(
        select(Recording.id, Recording.ingested_at, Person.badge)
        .join(Person, Person.id == Recording.officer_id)
        .where(Recording.source == "demo")
        .order_by(Recording.ingested_at, Recording.id)
    ).all()
    flags: dict[object, list[str]] = {}
    for rid, code in session.execute(
        select(RecordingFlag.recording_id, RecordingFlag.code).join(Recording).where(Recording.source == "demo")
    ):
        flags.setdefault(rid, []).append(code)
    custody_service.append_many(
        session,
        (
            custody_service.EntryDraft(
                actor=DEMO_ACTOR,
                action="evidence:recording:ingest",
                object_type="evidence",
                object_id=str(rid),
                details={
                    "source": "demo",
                    "officer": badge,
                    "flags": sorted(flags.get(rid, [])),
                    "note": "demo footage: metadata only, no file",
                    "ingested_at": isoformat(ingested_at),
                },
            )
            for rid, ingested_at, badge in rows
        ),
    )


def _footage(session: Session, rng: random.Random, item: ActivityInput, person: Person) -> int:
    outcome = _pick(rng, OUTCOMES)
    start, end = item.started_at, item.ended_at
    if outcome == "none":
        return 0
    act = start + timedelta(seconds=rng.randint(-20, 45))
    stop = end + timedelta(seconds=rng.randint(-40, 90))
    flags: tuple[str, ...] = ()
    reason = None
    if outcome == "late":
        act = start + timedelta(seconds=rng.randint(75, 600))
    elif outcome in ("early", "early_ok"):
        stop = end - timedelta(seconds=rng.randint(120, 900))
        reason = "scene secured" if outcome == "early_ok" else rng.choice([None, "battery low"])
    elif outcome == "unsigned":
        flags = ("UNSIGNED",)
    elif outcome == "borrowed":
        flags = ("CAMERA_NOT_ASSIGNED",)
    if outcome == "gap":
        middle = act + (stop - act) / 2
        _add(session, person, act, middle)
        _add(session, person, middle + timedelta(seconds=rng.randint(45, 300)), stop)
        return 2
    _add(session, person, act, stop, stop_reason=reason, flags=flags)
    return 1


def _add(
    session: Session,
    person: Person,
    activated,  # type: ignore[no-untyped-def]
    ended,
    *,
    stop_reason: str | None = None,
    flags: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> None:
    rec = Recording(
        officer_id=person.id,
        office_code=person.office_code,
        recorded_start=activated - timedelta(seconds=30),
        activated_at=activated,
        recorded_end=ended,
        pre_event_buffer_s=30,
        stop_reason=stop_reason,
        subject_notified=True,
        source="demo",
        segment_count=0,
        total_size=0,
        duration_s=(ended - activated).total_seconds() + 30,
        ingested_at=ended + timedelta(minutes=45),
        ingested_by=DEMO_ACTOR.id,
    )
    session.add(rec)
    session.flush()
    session.add_all(RecordingFlag(recording_id=rec.id, code=c, detail="demo", raised_at=rec.ingested_at) for c in flags)
    session.add_all(RecordingTag(recording_id=rec.id, tag=t, added_by=DEMO_ACTOR.id) for t in tags)
