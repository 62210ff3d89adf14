"""`bwc ingest`, `bwc verify`, `bwc evidence`, `bwc quarantine` end to end, on each database and store."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.db.session import engine_for
from openbwc.evidence import manifest as mf
from openbwc.kit.time import isoformat, utcnow
from openbwc.settings import get_settings, reset_settings_cache
from openbwc.storage import key_for, open_store
from tests.conftest import BACKENDS, app_session, drop_database, fresh_database_url
from tests.evidence.conftest import build_fleet, sha256_of
from tests.storage.conftest import STORAGE_BACKENDS, s3_endpoint, s3_settings_for


@pytest.fixture(scope="module", params=[(b, s) for b in BACKENDS for s in STORAGE_BACKENDS], ids=lambda p: "-".join(p))
def env(request, tmp_path_factory):
    backend, storage = request.param
    mp = pytest.MonkeyPatch()
    url = fresh_database_url(backend, "evcli")
    mp.setenv("BWC_DATA_DIR", str(tmp_path_factory.mktemp("var")))
    mp.setenv("BWC_DATABASE_URL", url)
    mp.setenv("BWC_VERIFY_SCHEDULE", "false")
    if storage == "s3":
        for k, v in s3_settings_for(s3_endpoint()).items():
            mp.setenv(f"BWC_{k.upper()}", v)
    reset_settings_cache()
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    with app_session(engine_for(url), expire_on_commit=False) as db:
        fleet = build_fleet(db)
        db.commit()
    yield runner, fleet
    mp.undo()
    reset_settings_cache()
    drop_database(engine_for(url))


def bwc(env, *args, code=0):
    runner, _ = env
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (args, result.output)
    return result


def test_ingest_duplicate_quarantine_show_export_verify(env, clips, tmp_path):
    _, fleet = env
    start = isoformat(utcnow() - timedelta(hours=2))
    out = json.loads(
        bwc(
            env, "ingest", clips["seg1.mp4"], "--camera", fleet.camera.serial, "--recorded-start", start, "--json"
        ).stdout
    )
    assert [o["status"] for o in out] == ["ingested"] and out[0]["sha256"] == sha256_of(clips["seg1.mp4"])
    recording_id = out[0]["recording_id"]
    dup = json.loads(bwc(env, "ingest", clips["seg1.mp4"], "--camera", fleet.camera.serial, "--json").stdout)
    assert dup[0]["status"] == "duplicate" and dup[0]["recording_id"] == recording_id

    bad = bwc(env, "ingest", clips["notes.mp4"], "--camera", fleet.camera.serial, "--json", code=2)
    assert json.loads(bad.stdout)[0]["status"] == "quarantined"
    assert "error NOT_VIDEO:" in bad.stderr
    held = json.loads(bwc(env, "quarantine", "list", "--json").stdout)
    assert [h["code"] for h in held] == ["NOT_VIDEO"]
    bwc(env, "quarantine", "reject", held[0]["id"], "--note", "shift notes, not footage")
    assert json.loads(bwc(env, "quarantine", "list", "--json").stdout) == []

    listed = json.loads(bwc(env, "evidence", "list", "--camera", fleet.camera.serial, "--json").stdout)
    assert [r["id"] for r in listed] == [recording_id]
    shown = json.loads(bwc(env, "evidence", "show", recording_id, "--json").stdout)
    assert shown["segments"][0]["video_codec"] == "h264" and shown["officer"] == fleet.officer.badge

    dest = tmp_path / "export"
    bwc(env, "evidence", "export", recording_id, dest)
    assert hashlib.sha256((dest / "seg1.mp4").read_bytes()).hexdigest() == sha256_of(clips["seg1.mp4"])
    report = json.loads((dest / "custody.json").read_text())
    actions = [e["entry"]["action"] for e in report["recording"]["entries"]]
    assert "evidence:recording:ingest" in actions and "evidence:recording:read" in actions
    assert all(e["proof"] for e in report["recording"]["entries"])
    assert json.loads((dest / "manifest.json").read_text())["note"].startswith("ingested without")

    assert "checked" in bwc(env, "verify").stdout
    # Flip one byte of the stored object: verify names it and exits 1.
    _flip_one_byte(key_for(shown["segments"][0]["sha256"]))
    failed = bwc(env, "verify", "--json", code=1)
    problems = json.loads(failed.stdout)["problems"]
    assert [(p["sha256"], p["problem"], p["recording_ids"]) for p in problems] == [
        (shown["segments"][0]["sha256"], "mismatch", [recording_id])
    ]
    named = bwc(env, "verify", recording_id, code=1)
    assert shown["segments"][0]["sha256"] in named.stderr
    bwc(env, "verify", "--sample", "100", code=1)
    # The damaged object is not exported either.
    refused = bwc(env, "evidence", "export", recording_id, tmp_path / "again", code=2)
    assert "error HASH_MISMATCH" in refused.stderr


def test_manifest_ingest_and_bad_command_lines(env, clips, tmp_path):
    _, fleet = env
    paths = [clips["seg5.mp4"], clips["seg6.mp4"]]
    raw = mf.sign(
        mf.build(
            camera_serial=fleet.camera.serial,
            recorded_start=utcnow() - timedelta(hours=1),
            files=[(p.name, sha256_of(p), p.stat().st_size) for p in paths],
        ),
        fleet.key,
    )
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(raw))
    out = json.loads(bwc(env, "ingest", *paths, "--manifest", manifest, "--json").stdout)
    assert [o["status"] for o in out] == ["ingested", "ingested"] and len({o["recording_id"] for o in out}) == 1
    assert out[0]["flags"] == []
    missing = bwc(env, "ingest", paths[0], "--manifest", manifest, code=2)
    assert "error FILE_NOT_GIVEN" in missing.stderr
    assert "error UNKNOWN_CAMERA" in bwc(env, "ingest", paths[0], "--camera", "NOPE-1", code=2).stderr
    assert "error RECORDING_NOT_FOUND" in bwc(env, "evidence", "show", "not-an-id", code=2).stderr


def _flip_one_byte(key: str) -> None:
    store = open_store(get_settings())
    if hasattr(store, "path_of"):
        path = store.path_of(key)
        os.chmod(path, 0o644)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        body = bytearray(store.client.get_object(Bucket=store.bucket, Key=store._k(key))["Body"].read())
        body[len(body) // 2] ^= 0xFF
        store.client.put_object(Bucket=store.bucket, Key=store._k(key), Body=bytes(body))


def test_sealed_footage_is_not_for_the_server_operator(env, clips, tmp_path):
    """PRO-1 at the shell too: a shell on the server is not oversight. Each refusal is kept in the ledger."""
    import uuid

    from sqlalchemy import select

    from openbwc.custody import SYSTEM
    from openbwc.custody.models import LedgerEntry
    from openbwc.policy import seals

    _, fleet = env
    out = json.loads(bwc(env, "ingest", clips["seg2.mp4"], "--camera", fleet.camera.serial, "--json").stdout)
    recording_id = out[0]["recording_id"]
    engine = engine_for(get_settings().database_url)
    with app_session(engine) as db:
        seals.seal(db, SYSTEM, uuid.UUID(recording_id), reason="protest footage only", rule_id="PRO-1",
                   policy_version="test")
        db.commit()
    assert recording_id not in [r["id"] for r in json.loads(bwc(env, "evidence", "list", "--json").stdout)]
    assert "error RECORDING_NOT_FOUND" in bwc(env, "evidence", "show", recording_id, code=2).stderr
    assert "error RECORDING_NOT_FOUND" in bwc(env, "evidence", "export", recording_id, tmp_path / "x", code=2).stderr
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    with app_session(engine) as db:
        denied = db.scalars(
            select(LedgerEntry).where(LedgerEntry.action == seals.ACCESS_ACTION, LedgerEntry.object_id == recording_id)
        ).all()
    assert [(e.outcome, json.loads(e.leaf)["details"]["via"]) for e in denied] == [
        ("denied", "cli:evidence:show"), ("denied", "cli:evidence:export")
    ]
