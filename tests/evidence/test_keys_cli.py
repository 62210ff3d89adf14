"""`bwc keys status|rotate|encrypt-existing`: master-key rotation without re-encrypting footage."""

from __future__ import annotations

import json
from datetime import timedelta

from openbwc.kit.time import isoformat, utcnow
from openbwc.settings import get_settings
from openbwc.storage import key_for, open_store
from tests.evidence.conftest import sha256_of
from tests.evidence.test_cli import bwc, env  # noqa: F401 - the fixture


def _stored_bytes(store, key: str) -> bytes:
    with store.raw.open_range(key) as fh:
        return fh.read()


def test_rotate_rewraps_every_data_key_and_the_footage_still_reads(env, clips, tmp_path):  # noqa: F811
    _, fleet = env
    start = isoformat(utcnow() - timedelta(hours=2))
    args = ["ingest", clips["seg2.mp4"], "--camera", fleet.camera.serial, "--recorded-start", start, "--json"]
    out = json.loads(bwc(env, *args).stdout)
    key = key_for(out[0]["sha256"])
    store = open_store(get_settings())
    sealed_before = _stored_bytes(store, key)
    before = json.loads(bwc(env, "keys", "status", "--json").stdout)
    old = before["current"]
    assert before["data_keys_by_master"].get(old, 0) >= 1

    rotated = json.loads(bwc(env, "keys", "rotate", "--json").stdout)
    assert rotated["current"] != old and rotated["retired"] == [old]
    assert rotated["rewrapped"] == before["data_keys_by_master"][old]
    after = json.loads(bwc(env, "keys", "status", "--json").stdout)
    assert after["master_keys"] == [rotated["current"]]
    assert set(after["data_keys_by_master"]) == {rotated["current"]}

    assert _stored_bytes(open_store(get_settings()), key) == sealed_before  # footage not re-encrypted
    dest = tmp_path / "export"
    bwc(env, "evidence", "export", out[0]["recording_id"], dest)
    assert sha256_of(dest / clips["seg2.mp4"].name) == out[0]["sha256"]
    assert "checked" in bwc(env, "verify").stdout
    assert json.loads(bwc(env, "keys", "encrypt-existing", "--json").stdout) == {"sealed": 0}
