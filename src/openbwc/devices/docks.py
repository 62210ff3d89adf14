"""Docks: per-office machine clients that charge cameras, upload footage and report telemetry.

Each dock is a machine account with the ``dock`` role and its own API token, so
a stolen token can be revoked for one dock without touching the others.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import repository as repo
from openbwc.devices.assignments import CLOCK_SKEW
from openbwc.devices.cameras import add_event
from openbwc.devices.models import Dock, TelemetryReport
from openbwc.identity import duties, tokens
from openbwc.identity import repository as identity_repo
from openbwc.identity import service as identity
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import service as org

DOCK_EMAIL_DOMAIN = "docks.openbwc.org"
MAX_REPORTS = 1000


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dock"


def add_dock(session: Session, actor: Actor, *, office: str, name: str) -> tuple[Dock, str]:
    """Create a dock and its machine account; returns the dock and its API token (shown once)."""
    off = org.require_office(session, office)
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed("a dock name must be 1 to 80 characters", code="INVALID_NAME")
    if repo.dock_by_name(session, off.code, name) is not None:
        raise Conflict(
            f"{off.name} already has a dock named {name!r}",
            code="DUPLICATE_DOCK",
            detail={"office": off.code, "name": name},
        )
    email = f"dock-{off.code.lower()}-{_slug(name)}@{DOCK_EMAIL_DOMAIN}"
    if identity_repo.account_by_email(session, email) is not None:
        raise Conflict(
            f"a dock account {email} already exists: choose another name",
            code="DUPLICATE_DOCK",
            detail={"office": off.code, "name": name},
        )
    account = identity.create_account(
        session,
        actor,
        email=email,
        display_name=f"Dock {name} ({off.name})",
        roles=["dock"],
        kind="machine",
        # The role is fixed here (a dock uploads and reports telemetry), never the caller's choice.
        authority=duties.PLATFORM,
    )
    plain, _ = tokens.create_token(session, actor, account, name=f"dock {off.code} {name}", authority=duties.PLATFORM)
    dock = Dock(office_code=off.code, name=name, account_id=account.id)
    session.add(dock)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="devices:dock:create",
        object_type="dock",
        object_id=str(dock.id),
        details={"office": off.code, "name": name, "account": str(account.id)},
    )
    return dock, plain


def dock_for_account(session: Session, account_id) -> Dock:  # type: ignore[no-untyped-def]
    dock = repo.dock_by_account(session, account_id)
    if dock is None:
        raise ValidationFailed(
            "this account is not registered as a dock; docks are added with `bwc docks add`",
            code="NOT_A_DOCK",
        )
    return dock


@dataclass(frozen=True)
class CameraTelemetry:
    serial: str
    battery_health_pct: int | None = None
    storage_used_pct: float | None = None
    firmware: str | None = None
    last_upload_at: datetime | None = None


def record_telemetry(session: Session, actor: Actor, dock: Dock, reports: list[CameraTelemetry]) -> int:
    """Store a dock's reports and refresh each camera's latest state; all or nothing."""
    if not reports:
        raise ValidationFailed("send at least one camera report", code="EMPTY_REPORT")
    if len(reports) > MAX_REPORTS:
        raise ValidationFailed(f"at most {MAX_REPORTS} camera reports per request", code="TOO_MANY_REPORTS")
    now = utcnow()
    serials = [r.serial.strip().upper() for r in reports]
    cameras = repo.cameras_by_serials(session, sorted(set(serials)))
    unknown = sorted({s for s in serials if s not in cameras})
    if unknown:
        raise NotFound(
            f"unknown camera serial(s): {', '.join(unknown[:20])}; nothing was stored",
            code="UNKNOWN_CAMERA",
            detail={"unknown": unknown},
        )
    for r in reports:
        if r.last_upload_at is not None and (r.last_upload_at.tzinfo is None or r.last_upload_at > now + CLOCK_SKEW):
            raise ValidationFailed(
                f"camera {r.serial}: last_upload_at must be a past time with a zone, got {r.last_upload_at}",
                code="INVALID_TIME",
            )
        if r.battery_health_pct is not None and not 0 <= r.battery_health_pct <= 100:
            raise ValidationFailed(f"camera {r.serial}: battery health is a percentage", code="INVALID_TELEMETRY")
        if r.storage_used_pct is not None and not 0 <= r.storage_used_pct <= 100:
            raise ValidationFailed(f"camera {r.serial}: storage used is a percentage", code="INVALID_TELEMETRY")
    for serial, r in zip(serials, reports, strict=True):
        camera = cameras[serial]
        firmware = (r.firmware or "").strip()[:40] or None
        session.add(
            TelemetryReport(
                camera_id=camera.id,
                dock_id=dock.id,
                received_at=now,
                battery_health_pct=r.battery_health_pct,
                storage_used_pct=r.storage_used_pct,
                firmware=firmware,
                last_upload_at=r.last_upload_at,
            )
        )
        if firmware and firmware != camera.firmware:
            add_event(
                session,
                camera,
                actor,
                kind="firmware",
                at=now,
                note=f"firmware {camera.firmware or 'unknown'} -> {firmware} (dock {dock.name})",
            )
            camera.firmware = firmware
        if r.last_upload_at is not None and (camera.last_upload_at is None or r.last_upload_at > camera.last_upload_at):
            camera.last_upload_at = r.last_upload_at
        if r.battery_health_pct is not None:
            camera.battery_health_pct = r.battery_health_pct
        if r.storage_used_pct is not None:
            camera.storage_used_pct = r.storage_used_pct
        camera.last_telemetry_at = now
        camera.last_dock_id = dock.id
    dock.last_seen_at = now
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="devices:telemetry:report",
        object_type="dock",
        object_id=str(dock.id),
        details={
            "office": dock.office_code,
            "dock": dock.name,
            "cameras": len(reports),
            "serials_sha256": hashlib.sha256("\n".join(sorted(serials)).encode()).hexdigest(),
            "at": isoformat(now),
        },
    )
    return len(reports)
