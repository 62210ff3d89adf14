"""Cameras: registration (one by one or from a CSV file), lookups, history lines."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import keys
from openbwc.devices import repository as repo
from openbwc.devices.models import Camera, CameraEvent, CameraStatus
from openbwc.kit.errors import Conflict, DomainError, NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.org import service as org

SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{2,39}$")
CSV_COLUMNS = ("serial", "model", "public_key", "office", "firmware")
CSV_REQUIRED = ("serial", "model", "public_key")


def normalise_serial(serial: str) -> str:
    value = serial.strip().upper()
    if not SERIAL_RE.match(value):
        raise ValidationFailed(
            f"serial {serial!r} must be 3 to 40 letters, digits, dots, hyphens or underscores",
            code="INVALID_SERIAL",
            detail={"serial": serial},
        )
    return value


def camera_by_serial(session: Session, serial: str) -> Camera | None:
    """The camera with this serial, or None (serials are compared upper-cased)."""
    return repo.camera_by_serial(session, serial.strip().upper())


def get_camera(session: Session, serial: str, *, lock: bool = False) -> Camera:
    camera = repo.camera_by_serial(session, serial.strip().upper(), lock=lock)
    if camera is None:
        raise NotFound(
            f"no camera with serial {serial!r}; `bwc cameras list` shows the fleet",
            code="UNKNOWN_CAMERA",
            detail={"serial": serial},
        )
    return camera


def public_key_of(camera: Camera) -> Ed25519PublicKey:
    """The key that verifies this camera's manifest signatures."""
    return keys.load_public_key(camera.public_key_pem)


def add_event(
    session: Session,
    camera: Camera,
    actor: Actor,
    *,
    kind: str,
    at: datetime,
    status_from: str | None = None,
    status_to: str | None = None,
    person_id: uuid.UUID | None = None,
    note: str | None = None,
) -> CameraEvent:
    event = CameraEvent(
        camera_id=camera.id,
        at=at,
        kind=kind,
        status_from=status_from,
        status_to=status_to,
        person_id=person_id,
        actor_id=actor.id,
        note=note,
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class CameraSpec:
    """A camera to register, as read from the command line, the API or a CSV line."""

    serial: str
    model: str
    public_key: str
    office: str | None = None
    firmware: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class _Checked:
    serial: str
    model: str
    pem: str
    key_id: str
    office_code: str | None
    firmware: str | None


def _check(session: Session, spec: CameraSpec) -> _Checked:
    serial = normalise_serial(spec.serial)
    model = spec.model.strip()
    if not model or len(model) > 80:
        raise ValidationFailed("model must be 1 to 80 characters", code="INVALID_MODEL")
    firmware = (spec.firmware or "").strip() or None
    if firmware and len(firmware) > 40:
        raise ValidationFailed("firmware must be at most 40 characters", code="INVALID_FIRMWARE")
    key = keys.load_public_key(spec.public_key)
    office_code = org.require_office(session, spec.office).code if spec.office and spec.office.strip() else None
    return _Checked(serial, model, keys.pem_of(key), keys.key_id_of(key), office_code, firmware)


def _insert(session: Session, actor: Actor, c: _Checked, at: datetime, source: str) -> Camera:
    camera = Camera(
        serial=c.serial,
        model=c.model,
        firmware=c.firmware,
        public_key_pem=c.pem,
        key_id=c.key_id,
        office_code=c.office_code,
        status=CameraStatus.IN_STOCK,
        registered_at=at,
    )
    session.add(camera)
    session.flush()
    add_event(session, camera, actor, kind="register", at=at, status_to=CameraStatus.IN_STOCK, note=source)
    custody.record(
        session,
        actor=actor,
        action="devices:camera:register",
        object_type="camera",
        object_id=c.serial,
        details={"model": c.model, "office": c.office_code, "key_id": c.key_id, "source": source},
    )
    return camera


def register_camera(session: Session, actor: Actor, spec: CameraSpec) -> Camera:
    """Register one camera, in stock, with the key that signs its manifests."""
    c = _check(session, spec)
    if repo.camera_by_serial(session, c.serial) is not None:
        raise Conflict(
            f"a camera with serial {c.serial} is already registered",
            code="DUPLICATE_SERIAL",
            detail={"serial": c.serial},
        )
    other = repo.camera_by_key_id(session, c.key_id)
    if other is not None:
        raise Conflict(
            f"camera {other.serial} already has this public key: every camera needs its own key",
            code="DUPLICATE_KEY",
            detail={"serial": c.serial, "other": other.serial, "key_id": c.key_id},
        )
    return _insert(session, actor, c, utcnow(), "register")


# -- CSV import -------------------------------------------------------------------------------------------


def _csv_error(problems: list[dict[str, object]]) -> ValidationFailed:
    shown = "; ".join(f"line {p['line']}: {p['message']}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return ValidationFailed(
        f"the CSV file has {len(problems)} problem(s), nothing was imported: {shown}{more}",
        code="INVALID_CSV",
        detail=problems,
    )


def parse_camera_csv(text: str) -> list[CameraSpec]:
    """Read ``serial,model,public_key[,office][,firmware]`` rows; errors name their line.

    ``public_key`` is a PEM (quoted, across lines) or its base64 body on one line.
    """
    if text.startswith("\ufeff"):  # spreadsheets save a byte-order mark
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise _csv_error([{"line": 1, "code": "EMPTY_FILE", "message": "the file is empty"}])
    except csv.Error as exc:
        raise _csv_error([{"line": 1, "code": "INVALID_CSV", "message": str(exc)}])
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in CSV_REQUIRED if c not in columns]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        message = "; ".join(parts) + f"; the header must name columns among {', '.join(CSV_COLUMNS)}"
        raise _csv_error([{"line": 1, "code": "INVALID_HEADER", "message": message}])
    specs: list[CameraSpec] = []
    problems: list[dict[str, object]] = []
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append({"line": line, "code": "INVALID_CSV", "message": str(exc)})
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            problems.append(
                {
                    "line": start,
                    "code": "WRONG_FIELD_COUNT",
                    "message": f"{len(row)} fields where the header has {len(columns)}",
                }
            )
            continue
        values = dict(zip(columns, row, strict=True))
        specs.append(
            CameraSpec(
                serial=values["serial"],
                model=values["model"],
                public_key=values["public_key"],
                office=values.get("office") or None,
                firmware=values.get("firmware") or None,
                line=start,
            )
        )
    if problems:
        raise _csv_error(problems)
    if not specs:
        raise _csv_error([{"line": 2, "code": "EMPTY_FILE", "message": "the file has a header but no cameras"}])
    return specs


def import_cameras(
    session: Session,
    actor: Actor,
    specs: Sequence[CameraSpec],
    *,
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> list[Camera]:
    """Register many cameras: all of them, or none (every problem is reported with its line)."""
    problems: list[dict[str, object]] = []
    checked: list[_Checked] = []
    seen_serials: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for i, spec in enumerate(specs):
        line = spec.line or i + 1
        try:
            c = _check(session, spec)
        except DomainError as exc:
            problems.append({"line": line, "code": exc.code, "message": exc.message})
            continue
        if c.serial in seen_serials:
            problems.append(
                {
                    "line": line,
                    "code": "DUPLICATE_SERIAL",
                    "message": f"serial {c.serial} also on line {seen_serials[c.serial]}",
                }
            )
            continue
        if c.key_id in seen_keys:
            problems.append(
                {
                    "line": line,
                    "code": "DUPLICATE_KEY",
                    "message": f"the public key is also on line {seen_keys[c.key_id]}",
                }
            )
            continue
        seen_serials[c.serial] = line
        seen_keys[c.key_id] = line
        checked.append(c)
    in_db = repo.existing_serials(session, [c.serial for c in checked])
    keys_in_db = repo.existing_key_ids(session, [c.key_id for c in checked])
    for c in checked:
        if c.serial in in_db:
            problems.append(
                {
                    "line": seen_serials[c.serial],
                    "code": "DUPLICATE_SERIAL",
                    "message": f"a camera with serial {c.serial} is already registered",
                }
            )
        elif c.key_id in keys_in_db:
            problems.append(
                {
                    "line": seen_serials[c.serial],
                    "code": "DUPLICATE_KEY",
                    "message": f"another registered camera already has the public key of {c.serial}",
                }
            )
    if problems:
        problems.sort(key=lambda p: int(p["line"]))  # type: ignore[call-overload]
        raise _csv_error(problems)
    now = utcnow()
    cameras = []
    for n, c in enumerate(checked, 1):
        cameras.append(_insert(session, actor, c, now, source))
        if progress is not None:
            progress(n)
    return cameras


def office_name(session: Session, code: str | None) -> str:
    if code is None:
        return "central stock"
    office = org_repo.office(session, code)
    return office.name if office else code
