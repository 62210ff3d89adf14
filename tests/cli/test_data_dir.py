"""`bwc` outside the openbwc folder refuses to make an empty ./var there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openbwc.cli.main import check_data_dir, is_project_dir

ROOT = Path(__file__).resolve().parents[2]


def _bwc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("BWC_DATA_DIR", "BWC_DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "openbwc.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_bwc_elsewhere_refuses_and_creates_nothing(tmp_path):
    r = _bwc(tmp_path, "users", "list")
    assert r.returncode == 2
    assert "BWC_DATA_DIR" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "var").exists()
    # Commands that need no data still run.
    assert _bwc(tmp_path, "totp", "JBSWY3DPEHPK3PXPJBSWY3DP").returncode == 0


def test_where_bwc_may_use_the_default_data_dir(tmp_path, monkeypatch):
    assert is_project_dir(ROOT) and not is_project_dir(tmp_path)
    monkeypatch.delenv("BWC_DATA_DIR", raising=False)
    check_data_dir("users", ROOT)  # the checkout
    (tmp_path / "var").mkdir()
    check_data_dir("users", tmp_path)  # an existing ./var is meant
    check_data_dir(None, tmp_path / "nowhere")  # bare `bwc`: only help
