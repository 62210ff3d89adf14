"""One typed settings object, read from ``BWC_*`` environment variables.

Built by :func:`get_settings`, never at import time, so tests and the CLI can
point openbwc at another data directory or database without reloading modules.
Defaults need no configuration at all: SQLite and a filesystem object store
under ``./var``.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BWC_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    storage_url: str | None = None

    # Secrets: read from these if set, else generated into the data dir by `bwc init`.
    secret_key: str | None = None
    ledger_signing_key_file: Path | None = None

    # Security controls (POLICY.md SEC-3, SEC-4).
    lockout_threshold: int = 5
    lockout_minutes: int = 10
    # Failed log-ons from one client address, over all accounts, before it waits (429 LOGON_RATE_LIMITED).
    logon_failures_per_address: int = 20
    logon_address_window_minutes: int = 10
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    totp_valid_window: int = 1  # steps either side of now: 30 s each, well under SEC-4's 5 minutes
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    cookie_secure: bool = True
    system_use_banner: str = Field(
        default=(
            "You are accessing a U.S. Government information system. Use of this system "
            "may be monitored, recorded and subject to audit. Unauthorized use is prohibited "
            "and subject to criminal and civil penalties. Use of the system indicates consent "
            "to monitoring and recording."
        )
    )

    # Custody ledger: a signed tree head at least this often while entries arrive.
    ledger_head_interval_s: int = 60
    # ... and a head over every commit that appended entries, at most this many seconds after it
    # (commits sign at most once per lag; a timer signs the rest). 0: every such commit signs.
    ledger_head_lag_s: float = 1.0

    # Fleet: an issued camera with no upload for this many days is DEVICE_SILENT (POLICY.md MET-3).
    silent_device_days: int = 7

    # Access and release requests (POLICY.md REL-2): working days to answer, per extension,
    # the expedited-release target after serious bodily injury or death (calendar days), and
    # how many submissions and failed look-ups one client may make on the public portal per hour.
    request_working_days: int = 20
    request_extension_working_days: int = 10
    request_expedited_days: int = 45
    request_portal_submissions_per_hour: int = 5
    request_portal_failures_per_hour: int = 30
    # Identity documents a requester attaches on the portal: the largest file, and uploads per client an hour.
    request_document_max_bytes: int = 10 * 1024**2
    request_portal_uploads_per_hour: int = 20

    # Evidence storage (BWC_STORAGE_URL=s3://bucket[/prefix] selects S3; these reach it).
    s3_endpoint_url: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    # Encryption at rest (docs/storage.md): AES-256-GCM per object, data keys wrapped by a master
    # key from BWC_MASTER_KEY (id:base64[,...], current first) or else this file (made on first use).
    encrypt_at_rest: bool = True
    master_key: str | None = None
    master_key_file: Path | None = None
    s3_object_lock_mode: str = "GOVERNANCE"  # or COMPLIANCE: the mode Store.set_retention uses
    # Job work folders (decoded copies of footage): RAM (/dev/shm) by default so no plaintext
    # copy touches a disk; BWC_WORK_DIR moves them (an encrypted volume, when RAM is short).
    work_dir: Path | None = None
    # Evidence ingest: the largest file accepted, and how long an unfinished tus upload is kept.
    max_upload_bytes: int = 64 * 1024**3
    upload_expiry_hours: int = 72
    # Integrity check of stored footage: every this many hours, rehash this share of objects.
    verify_interval_hours: float = 168
    verify_sample_percent: float = 10.0
    verify_schedule: bool = True
    # Orphan sweep: stored objects no row references count only once older than this (BWC_ORPHAN_GRACE_H).
    orphan_grace_h: float = 24.0

    # Jobs (openbwc.jobs): a Redis URL runs them on `bwc worker` processes; without one they
    # run inside `bwc serve`. A running job whose heartbeat is older than the lease is requeued.
    broker_url: str | None = None
    broker_namespace: str = "openbwc"
    jobs_in_process: bool = True
    jobs_lease_s: float = 60.0
    jobs_tick_s: float = 10.0
    jobs_max_attempts: int = 5
    jobs_backoff_s: float = 5.0
    jobs_backoff_max_s: float = 600.0
    worker_threads: int = 1

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'openbwc.sqlite3'}"

    @property
    def resolved_storage_url(self) -> str:
        if self.storage_url:
            return self.storage_url
        return f"file://{self.resolved_data_dir / 'objects'}"

    @property
    def secrets_dir(self) -> Path:
        return self.resolved_data_dir / "secrets"

    @property
    def resolved_work_dir(self) -> Path:
        if self.work_dir is not None:
            return self.work_dir.expanduser().resolve()
        shm = Path("/dev/shm")  # noqa: S108 - the job runtime makes its folder 0700 and checks the owner
        if shm.is_dir() and os.access(shm, os.W_OK):
            tag = hashlib.sha256(str(self.resolved_data_dir).encode()).hexdigest()[:12]
            return shm / f"openbwc-{os.getuid()}-{tag}"
        return self.resolved_data_dir / "work"

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.secrets_dir / "master-keys.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
