"""Seed the phase-1 fleet: 1,600 cameras in five offices, docks, and the rollout plan.

Deterministic (fixed random seed, camera keys derived from the serial) and
idempotent (a second run adds nothing). Times are relative to now, so the demo
always shows cameras handed over a few weeks ago, about 2% in repair with their
malfunction reports, about 0.5% silent (DEVICE_SILENT), a few spares in stock,
and the rest uploading.

The 1,600 registrations and hand-overs are bulk-inserted (one service call per
camera would make `bwc demo` slow); the custody ledger gets one summarising
entry with a digest of every serial, holder and time, instead of one per camera.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.demo.agency import DEMO_ACTOR, OFFICERS
from openbwc.devices import keys
from openbwc.devices import repository as devices_repo
from openbwc.devices import service as devices
from openbwc.devices.models import (
    Camera,
    CameraAssignment,
    CameraEvent,
    CameraStatus,
    MalfunctionReport,
    TelemetryReport,
)
from openbwc.identity import duties, tokens
from openbwc.identity import repository as identity_repo
from openbwc.kit.ids import new_id
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person, PersonStatus, TrainingRecord
from openbwc.program import repository as program_repo
from openbwc.program import service as program

SEED = 20240313
MODELS = (("Demo BWC-720", "2.4.1"), ("Demo BWC-1080", "3.1.0"))
REPAIR_SHARE = 0.02
SILENT_SHARE = 0.005
SPARES_PER_OFFICE = 3
FIRST_SERIAL = "BWC-000001"
PROBLEMS = (
    "Will not power on after charging",
    "Recording stops after a few minutes",
    "Cracked lens",
    "Does not seat in the dock; no uploads",
    "Battery drains within an hour",
    "Audio missing from recordings",
)


def serial_for(n: int) -> str:
    return f"BWC-{n:06d}"


def camera_private_key(serial: str) -> Ed25519PrivateKey:
    """The demo camera's signing key, derived from its serial: the camera simulator signs with it."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"openbwc-demo-camera:" + serial.encode()).digest())


@dataclass
class FleetSummary:
    created: bool
    cameras: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    silent: int = 0
    docks: list[tuple[str, str, str | None]] = field(default_factory=list)  # office, name, token (new each run)
    phase_planned: bool = False


def _valid_training(session: Session, people: list[Person], now: datetime) -> dict[object, datetime]:
    """Person id -> completion of their latest training that is valid now."""
    if not people:
        return {}
    rows = session.execute(
        select(TrainingRecord.person_id, TrainingRecord.completed_at).where(
            TrainingRecord.person_id.in_([p.id for p in people]),
            TrainingRecord.completed_at <= now,
            TrainingRecord.expires_at > now,
        )
    ).all()
    out: dict[object, datetime] = {}
    for pid, done in rows:
        if pid not in out or done > out[pid]:
            out[pid] = done
    return out


def _between(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    seconds = max(0, int((hi - lo).total_seconds()))
    return lo + timedelta(seconds=rng.randint(0, seconds))


class _Builder:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.cameras: list[dict] = []
        self.assignments: list[dict] = []
        self.events: list[dict] = []
        self.telemetry: list[dict] = []
        self.malfunctions: list[dict] = []
        self.digest = hashlib.sha256()

    def camera(self, serial: str, model: tuple[str, str], office: str, dock_id, registered_at: datetime) -> dict:  # type: ignore[no-untyped-def]
        public = camera_private_key(serial).public_key()
        row = {
            "id": new_id(),
            "serial": serial,
            "model": model[0],
            "firmware": model[1],
            "public_key_pem": keys.pem_of(public),
            "key_id": keys.key_id_of(public),
            "office_code": office,
            "status": CameraStatus.IN_STOCK,
            "registered_at": registered_at,
            "last_upload_at": None,
            "last_telemetry_at": None,
            "battery_health_pct": None,
            "storage_used_pct": None,
            "last_dock_id": dock_id,
            "updated_at": self.now,
        }
        self.cameras.append(row)
        self.event(row, "register", registered_at, None, "in_stock", None, "demo seed")
        self.digest.update(f"register {serial} {row['key_id']}\n".encode())
        return row

    def event(self, cam: dict, kind: str, at: datetime, frm, to, person_id, note=None) -> None:  # type: ignore[no-untyped-def]
        self.events.append(
            {
                "id": new_id(),
                "camera_id": cam["id"],
                "at": at,
                "kind": kind,
                "status_from": frm,
                "status_to": to,
                "person_id": person_id,
                "actor_id": DEMO_ACTOR.id,
                "note": note,
                "recorded_at": self.now,
            }
        )

    def hand_over(
        self, cam: dict, person: Person, at: datetime, until: datetime | None = None, reason: str | None = None
    ) -> None:
        self.assignments.append(
            {
                "id": new_id(),
                "camera_id": cam["id"],
                "person_id": person.id,
                "issued_at": at,
                "returned_at": until,
                "issued_by": DEMO_ACTOR.id,
                "returned_by": DEMO_ACTOR.id if until else None,
                "end_reason": reason,
            }
        )
        self.event(cam, "issue", at, "in_stock", "issued", person.id, "demo seed")
        cam["status"] = CameraStatus.ISSUED
        self.digest.update(f"issue {cam['serial']} {person.badge} {isoformat(at)} {isoformat(until)}\n".encode())


def seed(session: Session) -> FleetSummary:
    """Create the demo fleet once; later runs only report what is there."""
    now = utcnow().replace(microsecond=0)  # whole seconds read better on the camera pages
    summary = FleetSummary(created=devices_repo.camera_by_serial(session, FIRST_SERIAL) is None)
    dock_ids = _seed_docks(session, summary)
    if summary.created:
        _seed_cameras(session, now, dock_ids)
    if program_repo.phase(session, 1) is None:
        program.plan_phase(
            session,
            DEMO_ACTOR,
            number=1,
            name="Five field offices",
            divisions=["ERO", "HSI"],
            targets={code: (n, None) for code, n in OFFICERS.items()},
            description="1,600 cameras for ERO officers and HSI investigators in Baltimore, Philadelphia, "
            "Washington, Buffalo and Detroit, issued only after BWC training (POLICY.md MET-1).",
        )
        summary.phase_planned = True
    for (_office, status), n in devices_repo.status_counts(session).items():
        summary.by_status[status] = summary.by_status.get(status, 0) + n
    summary.cameras = sum(summary.by_status.values())
    summary.silent = len(devices.silent_cameras(session, now))
    return summary


def _seed_docks(session: Session, summary: FleetSummary) -> dict[str, object]:
    out = {}
    for office in org_repo.offices(session):
        name = f"{office.name} dock 1"
        dock = devices_repo.dock_by_name(session, office.code, name)
        if dock is None:
            dock, token = devices.add_dock(session, DEMO_ACTOR, office=office.code, name=name)
        else:
            token = _fresh_dock_token(session, dock, f"dock {office.code} {name}")
        summary.docks.append((office.code, name, token))
        out[office.code] = dock.id
    return out


def _fresh_dock_token(session: Session, dock: object, name: str) -> str:
    """A second `bwc demo` cannot show the first run's token again (only its hash is kept):
    it revokes the dock's earlier tokens and prints a new one, so the demo always says how
    a dock logs on."""
    account = identity_repo.account_by_id(session, dock.account_id)  # type: ignore[attr-defined]
    for row in tokens.list_tokens(session, account):
        if row.revoked_at is None:
            tokens.revoke_token(session, DEMO_ACTOR, row.id, owner=account)
    plain, _ = tokens.create_token(session, DEMO_ACTOR, account, name=name, authority=duties.PLATFORM)
    return plain


def _seed_cameras(session: Session, now: datetime, dock_ids: dict[str, object]) -> None:
    rng = random.Random(SEED)
    b = _Builder(now)
    registered_at = (now - timedelta(days=90)).replace(hour=14, minute=0, second=0, microsecond=0)
    number = 0
    counts = {"issued": 0, "in_repair": 0, "in_stock": 0, "silent": 0, "malfunctions": 0}
    for code, planned in OFFICERS.items():
        people, _ = org_repo.list_people(
            session, limit=100_000, offset=0, office_code=code, status=PersonStatus.ACTIVE, trained=True, trained_at=now
        )
        candidates = list(people)
        rng.shuffle(candidates)
        trained_since = _valid_training(session, candidates, now)
        repair = round(planned * REPAIR_SHARE)
        silent = round(planned * SILENT_SHARE)
        to_issue = min(planned - repair - SPARES_PER_OFFICE, len(candidates))
        office_cams = []
        for _ in range(planned):
            number += 1
            model = MODELS[0] if rng.random() < 0.6 else MODELS[1]
            office_cams.append(b.camera(serial_for(number), model, code, dock_ids.get(code), registered_at))
        holders: list[tuple[dict, Person, datetime]] = []
        for cam, person in zip(office_cams[:to_issue], candidates, strict=False):
            done = trained_since[person.id]
            lo = max(now - timedelta(days=42), done + timedelta(days=1))
            at = _between(rng, lo, now - timedelta(days=14)) if lo < now - timedelta(days=14) else None
            if at is None:
                continue
            holders.append((cam, person, at))
        # Cameras now in repair: first held by an officer trained long enough ago, who reported
        # the fault and got a fresh camera an hour later (so their history shows a re-issue).
        repair_cams = office_cams[to_issue : to_issue + repair]
        veterans = [h for h in holders if trained_since[h[1].id] < now - timedelta(days=65)]
        for broken, (cam, person, _at) in zip(repair_cams, veterans, strict=False):
            first = _between(rng, now - timedelta(days=60), now - timedelta(days=30))
            reported = _between(rng, now - timedelta(days=20), now - timedelta(days=2))
            b.hand_over(broken, person, first, reported, "malfunction")
            problem = rng.choice(PROBLEMS)
            b.event(broken, "malfunction", reported, "issued", "in_repair", person.id, problem)
            broken["status"] = CameraStatus.IN_REPAIR
            b.malfunctions.append(
                {
                    "id": new_id(),
                    "camera_id": broken["id"],
                    "reported_at": reported,
                    "reported_by": DEMO_ACTOR.id,
                    "reporter_name": person.name,
                    "source": "person",
                    "dock_id": None,
                    "description": problem,
                    "window_start": max(first, reported - timedelta(hours=rng.randint(1, 72))),
                    "window_end": reported,
                    "holder_person_id": person.id,
                    "resolved_at": None,
                    "resolution": None,
                }
            )
            counts["malfunctions"] += 1
            # Their current camera came an hour after they handed the broken one in.
            index = next(i for i, h in enumerate(holders) if h[0] is cam)
            holders[index] = (cam, person, reported + timedelta(hours=1))
        # Silent: out with an officer trained well before, nothing uploaded for over a week (MET-3).
        repaired = {p.id for _c, p, _a in veterans[: len(repair_cams)]}
        quiet = [
            h
            for h in reversed(holders)
            if h[1].id not in repaired and trained_since[h[1].id] < now - timedelta(days=50)
        ][:silent]
        silent_holders = {id(h[0]) for h in quiet}
        for cam, person, at in holders:
            if id(cam) in silent_holders:
                at = _between(rng, now - timedelta(days=45), now - timedelta(days=30))
            b.hand_over(cam, person, at)
            battery = rng.randint(72, 100)
            if id(cam) in silent_holders:
                cam["last_upload_at"] = _between(rng, at + timedelta(days=1), now - timedelta(days=9))
                cam["last_telemetry_at"] = cam["last_upload_at"]
                counts["silent"] += 1
            else:
                age = (now - at).total_seconds()
                cam["last_upload_at"] = now - timedelta(seconds=rng.randint(600, int(min(age - 60, 3 * 86400))))
                cam["last_telemetry_at"] = now - timedelta(minutes=rng.randint(5, 600))
            cam["battery_health_pct"] = battery
            cam["storage_used_pct"] = round(rng.uniform(2, 60), 1)
        for cam in office_cams:
            if cam["status"] == CameraStatus.IN_STOCK:
                cam["last_telemetry_at"] = now - timedelta(minutes=rng.randint(5, 600))
                cam["battery_health_pct"] = rng.randint(90, 100)
                cam["storage_used_pct"] = 0.0
            if cam["last_telemetry_at"] is not None and cam["status"] != CameraStatus.IN_REPAIR:
                b.telemetry.append(
                    {
                        "id": new_id(),
                        "camera_id": cam["id"],
                        "dock_id": dock_ids.get(code),
                        "received_at": cam["last_telemetry_at"],
                        "battery_health_pct": cam["battery_health_pct"],
                        "storage_used_pct": cam["storage_used_pct"],
                        "firmware": cam["firmware"],
                        "last_upload_at": cam["last_upload_at"],
                    }
                )
            else:
                cam["last_dock_id"] = None
            counts[cam["status"]] += 1
    for model, rows in (
        (Camera, b.cameras),
        (CameraAssignment, b.assignments),
        (CameraEvent, b.events),
        (MalfunctionReport, b.malfunctions),
        (TelemetryReport, b.telemetry),
    ):
        if rows:
            session.execute(insert(model), rows)
    session.flush()
    for dock in devices_repo.list_docks(session):
        dock.last_seen_at = max((t["received_at"] for t in b.telemetry if t["dock_id"] == dock.id), default=None)
    custody.record(
        session,
        actor=DEMO_ACTOR,
        action="devices:cameras:import",
        object_type="fleet",
        object_id="demo",
        reason="demo seed: registrations, hand-overs and malfunctions written in bulk",
        details={
            "cameras": len(b.cameras),
            "hand_overs": len(b.assignments),
            **counts,
            "history_sha256": b.digest.hexdigest(),
        },
    )
