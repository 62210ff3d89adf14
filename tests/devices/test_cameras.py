"""Registering cameras one by one and from CSV files; their signing keys."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy import func, select

from openbwc.custody.models import LedgerEntry
from openbwc.devices import keys
from openbwc.devices import service as devices
from openbwc.devices.models import Camera
from openbwc.kit.errors import DomainError
from tests.devices.conftest import new_key_pem
from tests.devices.test_assignments import refused
from tests.factories import TEST_ACTOR as A


def spki_pem(key) -> str:  # type: ignore[no-untyped-def]
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_key_id_is_sha256_of_the_raw_public_key():
    private = ed25519.Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = spki_pem(private.public_key())
    assert devices.camera_key_id(pem) == hashlib.sha256(raw).hexdigest()
    # The PEM body on one line (as CSV files carry it) is the same key.
    body = "".join(pem.strip().splitlines()[1:-1])
    assert devices.camera_key_id(body) == hashlib.sha256(raw).hexdigest()
    assert devices.camera_key_id(private.public_key()) == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not a key",
        spki_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()),
        spki_pem(ec.generate_private_key(ec.SECP256R1()).public_key()),
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode(),
        base64.b64encode(b"\x00" * 32).decode(),  # raw bytes, not SubjectPublicKeyInfo
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ],
)
def test_malformed_or_non_ed25519_keys_are_refused(bad):
    refused("INVALID_PUBLIC_KEY", keys.load_public_key, bad)


def test_register_and_refusals_change_nothing(db, fleet):
    cam = devices.register_camera(db, A, devices.CameraSpec(" tst-900001 ", "Cam X", new_key_pem(), "Baltimore", "1.0"))
    assert (cam.serial, cam.office_code, cam.status, cam.firmware) == ("TST-900001", "BAL", "in_stock", "1.0")
    assert devices.camera_by_serial(db, "tst-900001") is cam
    assert keys.key_id_of(devices.public_key_of(cam)) == cam.key_id
    before = db.scalar(select(func.count(Camera.id)))
    refused("DUPLICATE_SERIAL", devices.register_camera, db, A, devices.CameraSpec("TST-900001", "X", new_key_pem()))
    refused("DUPLICATE_KEY", devices.register_camera, db, A, devices.CameraSpec("TST-900002", "X", cam.public_key_pem))
    refused("INVALID_SERIAL", devices.register_camera, db, A, devices.CameraSpec("a b", "X", new_key_pem()))
    refused("INVALID_PUBLIC_KEY", devices.register_camera, db, A, devices.CameraSpec("TST-900003", "X", "junk"))
    refused(
        "UNKNOWN_OFFICE",
        devices.register_camera,
        db,
        A,
        devices.CameraSpec("TST-900004", "X", new_key_pem(), "Atlantis"),
    )
    refused("INVALID_MODEL", devices.register_camera, db, A, devices.CameraSpec("TST-900005", " ", new_key_pem()))
    assert db.scalar(select(func.count(Camera.id))) == before
    central = devices.register_camera(db, A, devices.CameraSpec("TST-900006", "X", new_key_pem()))
    assert central.office_code is None
    assert (
        db.scalar(
            select(func.count(LedgerEntry.seq)).where(
                LedgerEntry.action == "devices:camera:register", LedgerEntry.object_id.in_(["TST-900001", "TST-900006"])
            )
        )
        == 2
    )


def _csv_line(serial: str, key: str, office: str = "BAL") -> str:
    return f'{serial},Cam Y,"{key.strip()}",{office},2.0\n'


def test_csv_import_is_all_or_nothing_with_line_numbers(db, fleet):
    existing = fleet.camera()
    k1, k2 = new_key_pem(), new_key_pem()
    header = "serial,model,public_key,office,firmware\n"
    text = (
        header
        + _csv_line("CSV-000001", k1)  # lines 2-4 (the PEM spans three lines)
        + _csv_line("CSV-000002", "junk")  # line 5: bad key
        + _csv_line(existing.serial, k2)  # lines 6-8: registered already
        + _csv_line("CSV-000001", new_key_pem())  # lines 9-11: duplicate in the file
        + _csv_line("CSV-000004", new_key_pem(), "Atlantis")  # lines 12-14
    )
    specs = devices.parse_camera_csv(text)
    with pytest.raises(DomainError) as info:
        devices.import_cameras(db, A, specs)
    err = info.value
    assert err.code == "INVALID_CSV"
    problems = {(p["line"], p["code"]) for p in err.detail}
    assert problems == {
        (5, "INVALID_PUBLIC_KEY"),
        (6, "DUPLICATE_SERIAL"),
        (9, "DUPLICATE_SERIAL"),
        (12, "UNKNOWN_OFFICE"),
    }, err.detail
    assert "line 5" in err.message
    assert devices.camera_by_serial(db, "CSV-000001") is None  # nothing imported

    seen = []
    good = (
        header
        + _csv_line("CSV-000001", k1)
        + "\n"
        + "CSV-000002,Cam Y,{},,\n".format("".join(k2.strip().splitlines()[1:-1]))
    )
    cams = devices.import_cameras(db, A, devices.parse_camera_csv("\ufeff" + good), progress=seen.append)
    assert [c.serial for c in cams] == ["CSV-000001", "CSV-000002"] and seen == [1, 2]
    assert cams[1].office_code is None and cams[0].office_code == "BAL"


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("", 1, "EMPTY_FILE"),
        ("serial,model\nA,B\n", 1, "INVALID_HEADER"),
        ("serial,model,public_key,colour\n", 1, "INVALID_HEADER"),
        ("serial,model,public_key\n", 2, "EMPTY_FILE"),
        ("serial,model,public_key\nA,B\n", 2, "WRONG_FIELD_COUNT"),
    ],
)
def test_malformed_csv_files(text, line, code):
    err = refused("INVALID_CSV", devices.parse_camera_csv, text)
    assert err.detail[0]["line"] == line and err.detail[0]["code"] == code
