"""Objects in an S3 bucket (AWS S3, SeaweedFS, ...): ``s3://bucket[/prefix]``.

Temporary objects are multipart uploads under ``<prefix>tmp/``; every part
carries its SHA-256 so the server refuses a part damaged on the way. The
multipart upload is only started once a whole part is ready, so small objects
are one PUT. Publishing is a server-side copy to the content address (S3
makes an object visible only when it is complete), then the temporary object
is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO
from urllib.parse import urlparse

from openbwc.storage.base import (
    CHUNK,
    DestroyResult,
    ListedObject,
    ObjectMissing,
    Progress,
    Staged,
    StoredObject,
    Temporary,
    VerifyResult,
    copy_into,
    key_for,
    sha256_of_key,
)

PART_SIZE = 16 * 1024 * 1024
# S3's limit for a single CopyObject; larger objects are copied part by part.
MAX_SINGLE_COPY = 5 * 1024**3
COPY_PART = 512 * 1024 * 1024


def _b64_sha256(data: bytes | memoryview) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


def _code(exc: Exception) -> str:
    return str((getattr(exc, "response", None) or {}).get("Error", {}).get("Code", ""))


def _utc(when: Any) -> Any:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


class S3Staged(Staged):
    def __init__(self, store: S3Store) -> None:
        super().__init__()
        self.store = store
        self.key = f"{store.prefix}tmp/{uuid.uuid4().hex}"
        self._part = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._done = False

    def write_raw(self, data: memoryview | bytes) -> None:
        self._part += data
        if len(self._part) >= PART_SIZE:
            self._flush_part()

    def _flush_part(self) -> None:
        s3, bucket = self.store.client, self.store.bucket
        if self._upload_id is None:
            self._upload_id = s3.create_multipart_upload(Bucket=bucket, Key=self.key, ChecksumAlgorithm="SHA256")[
                "UploadId"
            ]
        number = len(self._parts) + 1
        body = bytes(self._part)
        checksum = _b64_sha256(body)
        resp = s3.upload_part(
            Bucket=bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=body, ChecksumSHA256=checksum
        )
        self._parts.append({"PartNumber": number, "ETag": resp["ETag"], "ChecksumSHA256": checksum})
        self._part = bytearray()

    def _finish(self) -> None:
        s3, bucket = self.store.client, self.store.bucket
        if self._upload_id is None:
            body = bytes(self._part)
            s3.put_object(Bucket=bucket, Key=self.key, Body=body, ChecksumSHA256=_b64_sha256(body))
            self._part = bytearray()
        else:
            if self._part:
                self._flush_part()
            s3.complete_multipart_upload(
                Bucket=bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
            )
            self._upload_id = None
        self._done = True

    def reader(self) -> BinaryIO:
        self.finish()
        return S3Reader(self.store, self.key, self.size)

    def publish(self) -> StoredObject:
        self.finish()
        result = self.store._publish_key(self.key, self.sha256, self.size)
        return result

    def abort(self) -> None:
        s3, bucket = self.store.client, self.store.bucket
        if self._upload_id is not None:
            try:
                s3.abort_multipart_upload(Bucket=bucket, Key=self.key, UploadId=self._upload_id)
            finally:
                self._upload_id = None
        if self._done:
            s3.delete_object(Bucket=bucket, Key=self.key)
            self._done = False


class S3Store:
    def __init__(
        self,
        url: str,
        *,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        lock_mode: str = "GOVERNANCE",
    ) -> None:
        import boto3
        from botocore.config import Config

        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"storage URL {url!r} must look like s3://bucket or s3://bucket/prefix")
        self.url = url
        self.bucket = parsed.netloc
        prefix = parsed.path.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.lock_mode = lock_mode
        self._versioned: bool | None = None
        self._locked: bool | None = None
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region or "us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 5, "mode": "standard"},
                # We send SHA-256 ourselves; no second checksum computed by the SDK.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def _k(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if not _is_missing(exc):
                raise
            self.client.create_bucket(Bucket=self.bucket)

    def stage(self) -> S3Staged:
        return S3Staged(self)

    def put_stream(
        self, source: BinaryIO, *, max_bytes: int | None = None, progress: Progress | None = None
    ) -> StoredObject:
        with self.stage() as staged:
            copy_into(staged, source, max_bytes=max_bytes, progress=progress)
            return staged.publish()

    def _publish_key(self, tmp_key: str, sha256: str, size: int) -> StoredObject:
        key = key_for(sha256)
        full = self._k(key)
        s3, bucket = self.client, self.bucket
        if self.size(key) is not None:
            s3.delete_object(Bucket=bucket, Key=tmp_key)
            return StoredObject(key=key, sha256=sha256, size=size, created=False)
        source = {"Bucket": bucket, "Key": tmp_key}
        if size <= MAX_SINGLE_COPY:
            s3.copy_object(Bucket=bucket, Key=full, CopySource=source, MetadataDirective="COPY")
        else:
            upload_id = s3.create_multipart_upload(Bucket=bucket, Key=full)["UploadId"]
            parts = []
            try:
                for number, start in enumerate(range(0, size, COPY_PART), start=1):
                    end = min(size, start + COPY_PART) - 1
                    resp = s3.upload_part_copy(
                        Bucket=bucket,
                        Key=full,
                        UploadId=upload_id,
                        PartNumber=number,
                        CopySource=source,
                        CopySourceRange=f"bytes={start}-{end}",
                    )
                    parts.append({"PartNumber": number, "ETag": resp["CopyPartResult"]["ETag"]})
                s3.complete_multipart_upload(
                    Bucket=bucket, Key=full, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
            except BaseException:
                s3.abort_multipart_upload(Bucket=bucket, Key=full, UploadId=upload_id)
                raise
        s3.delete_object(Bucket=bucket, Key=tmp_key)
        stored = self.size(key)
        if stored != size:
            raise ObjectMissing(f"object {key} has {stored} bytes after publishing, expected {size}")
        return StoredObject(key=key, sha256=sha256, size=size, created=True)

    def adopt_file(self, path: str, sha256: str, size: int) -> StoredObject:
        with open(path, "rb", buffering=0) as fh:
            stored = self.put_stream(fh)
        if stored.sha256 != sha256 or stored.size != size:
            raise ObjectMissing(f"{path} changed while it was being stored", code="STAGING_CHANGED")
        return stored

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        return self._get(self._k(key), start, end)

    def _get(self, full_key: str, start: int, end: int | None) -> BinaryIO:
        if end is not None and end <= start:
            return io.BytesIO(b"")
        rng = f"bytes={start}-" + ("" if end is None else str(end - 1))
        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=full_key, Range=rng)
        except Exception as exc:
            if _is_missing(exc):
                raise ObjectMissing(f"object {full_key} is missing from the store", detail={"key": full_key})
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code == "InvalidRange":  # reading at or past the end of the object
                return io.BytesIO(b"")
            raise
        return resp["Body"]

    def open_reader(self, key: str) -> BinaryIO:
        size = self.size(key)
        if size is None:
            raise ObjectMissing(f"object {key} is missing from the store", detail={"key": key})
        return S3Reader(self, self._k(key), size)

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._k(key))["ContentLength"])
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def iter_objects(self) -> Iterator[ListedObject]:
        """Every object under the prefix, a page (1,000 keys) at a time, in key order.

        Staging objects (``<prefix>tmp/``) and key records (``<prefix>keys/``) are skipped; unfinished multipart uploads
        are not objects and S3 does not list them.
        """
        staging = f"{self.prefix}tmp/"
        records = f"{self.prefix}keys/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": 1000}
        )
        for page in pages:
            for item in page.get("Contents", []):
                full = item["Key"]
                if full.startswith((staging, records)) or full.endswith("/"):
                    continue
                yield ListedObject(full[len(self.prefix) :], int(item["Size"]), _utc(item["LastModified"]))

    def iter_temporaries(self) -> Iterator[Temporary]:
        """Staging objects a write finished but never published (``<prefix>tmp/``), then every
        unfinished multipart upload under the prefix: S3 keeps (and bills) their parts forever."""
        staging = f"{self.prefix}tmp/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=staging, PaginationConfig={"PageSize": 1000}
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield Temporary(item["Key"][len(self.prefix) :], int(item["Size"]), _utc(item["LastModified"]))
        uploads = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in uploads:
            for up in page.get("Uploads", []):
                key, upload_id = up["Key"], up["UploadId"]
                size = self._parts_size(key, upload_id)
                yield Temporary(key[len(self.prefix) :], size, _utc(up["Initiated"]), upload_id)

    def _parts_size(self, full_key: str, upload_id: str) -> int:
        size = 0
        try:
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=full_key, UploadId=upload_id
            )
            for page in pages:
                size += sum(int(p["Size"]) for p in page.get("Parts", []))
        except Exception as exc:
            if not _is_missing(exc) and "NoSuchUpload" not in str(exc):
                raise
        return size

    def remove_temporary(self, temp: Temporary, older_than: datetime) -> bool:
        full = self._k(temp.key)
        if not full.startswith(self.prefix):
            raise ValueError(f"{temp.key!r} is not a temporary of this store")
        if temp.upload_id is not None:
            # An upload's start time never changes: the age check was made when it was listed.
            if temp.modified > older_than:
                return False
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=temp.upload_id)
            except Exception as exc:
                if _is_missing(exc) or "NoSuchUpload" in str(exc):
                    return False
                raise
            return True
        if not temp.key.startswith("tmp/"):
            raise ValueError(f"{temp.key!r} is not a staging object")
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=full)
        except Exception as exc:
            if _is_missing(exc):
                return False
            raise
        if _utc(head["LastModified"]) > older_than:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=full)
        return True

    def stat(self, key: str) -> ListedObject | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._k(key))
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise
        return ListedObject(key, int(head["ContentLength"]), _utc(head["LastModified"]))

    def verify(self, key: str, progress: Progress | None = None) -> VerifyResult:
        expected = sha256_of_key(key)
        try:
            body = self._get(self._k(key), 0, None)
        except ObjectMissing:
            return VerifyResult(key, expected, False, None, None)
        h = hashlib.sha256()
        size = 0
        for chunk in body.iter_chunks(CHUNK):  # type: ignore[attr-defined]
            h.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(len(chunk))
        actual = h.hexdigest()
        return VerifyResult(key, expected, actual == expected, actual, size)

    # -- what encryption at rest keeps beside the objects, and Object Lock ----------------------
    def _record_key(self, name: str) -> str:
        if not name or not all(c in "0123456789abcdef" for c in name):
            raise ValueError(f"bad key record name {name!r}")
        return f"{self.prefix}keys/{name}"

    def versioned(self) -> bool:
        """Whether the bucket keeps old versions (always so with Object Lock); asked once."""
        if self._versioned is None:
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
            self._versioned = status in ("Enabled", "Suspended")
        return self._versioned

    def object_lock(self) -> bool:
        """Whether the bucket was made with Object Lock; asked once."""
        if self._locked is None:
            try:
                conf = self.client.get_object_lock_configuration(Bucket=self.bucket)
                self._locked = conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
            except Exception as exc:
                if (
                    _is_missing(exc)
                    or "ObjectLockConfigurationNotFound" in str(exc)
                    or _code(exc)
                    in (
                        "ObjectLockConfigurationNotFoundError",
                        "NotImplemented",
                        "InvalidRequest",
                    )
                ):
                    self._locked = False
                else:
                    raise
        return self._locked

    def put_record(self, name: str, data: bytes, *, replace_versions: bool = False) -> None:
        full = self._record_key(name)
        self.client.put_object(Bucket=self.bucket, Key=full, Body=data, ChecksumSHA256=_b64_sha256(data))
        if replace_versions and self.versioned():
            # A re-wrapped key: the versions wrapped under the old master key go.
            head = self.client.head_object(Bucket=self.bucket, Key=full)
            self._delete_versions(full, keep=head.get("VersionId"))

    def get_record(self, name: str) -> bytes | None:
        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=self._record_key(name))
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise
        return bytes(resp["Body"].read())

    def delete_record(self, name: str) -> bool:
        full = self._record_key(name)
        if self.versioned():
            return self._delete_versions(full)[0] > 0
        self.client.delete_object(Bucket=self.bucket, Key=full)
        return True

    def iter_records(self) -> Iterator[str]:
        records = f"{self.prefix}keys/"
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=records)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(records) :]

    def _delete_versions(self, full: str, keep: str | None = None) -> tuple[int, list[str]]:
        """Delete every version and delete marker of ``full`` (but ``keep``): (deleted, refused)."""
        deleted, refused = 0, []
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=full)
        for page in pages:
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if item["Key"] != full or item.get("VersionId") == keep:
                    continue
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=full, VersionId=item["VersionId"])
                    deleted += 1
                except Exception as exc:
                    if _is_missing(exc):
                        continue
                    refused.append(f"{item['VersionId']}: {_code(exc) or exc}")
        return deleted, refused

    def delete_all(self, key: str) -> tuple[bool, str]:
        """Delete an object, every version of it on a versioned bucket; Object Lock may refuse."""
        full = self._k(key)
        if not self.versioned():
            self.client.delete_object(Bucket=self.bucket, Key=full)
            return True, ""
        _, refused = self._delete_versions(full)
        if refused:
            return False, "Object Lock keeps these versions until their retain-until date: " + "; ".join(refused)
        return True, ""

    def destroy(self, key: str) -> DestroyResult:
        """Without encryption there is no key to shred: the bytes are deleted."""
        existed = self.exists(key)
        deleted, detail = self.delete_all(key)
        return DestroyResult(
            key, existed, encrypted=False, key_destroyed=False, ciphertext_deleted=deleted, detail=detail
        )

    def set_retention(self, key: str, until: datetime) -> bool:
        """Object Lock retain-until on the object (never moved earlier); False without Object Lock.

        The mode is ``lock_mode`` (GOVERNANCE by default: an administrator holding
        s3:BypassGovernanceRetention can still shorten it when a policy changes;
        COMPLIANCE cannot be shortened by anyone).
        """
        if not self.object_lock():
            return False
        full = self._k(key)
        until = _utc(until)
        try:
            current = self.client.get_object_retention(Bucket=self.bucket, Key=full).get("Retention", {})
        except Exception as exc:
            if _is_missing(exc) and _code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise ObjectMissing(f"object {key} is missing from the store", detail={"key": key})
            current = {}
        held = current.get("RetainUntilDate")
        if held is not None and _utc(held) >= until:
            return True
        self.client.put_object_retention(
            Bucket=self.bucket, Key=full, Retention={"Mode": self.lock_mode, "RetainUntilDate": until}
        )
        return True

    def retention(self, key: str) -> datetime | None:
        """The object's retain-until date, or None."""
        try:
            got = self.client.get_object_retention(Bucket=self.bucket, Key=self._k(key)).get("Retention", {})
        except Exception:
            return None
        held = got.get("RetainUntilDate")
        return _utc(held) if held is not None else None

    def replace_object(self, staged: S3Staged, key: str) -> None:
        """Put finished staged bytes in place of an existing object (rewriting it sealed); older versions go."""
        staged.finish()
        full = self._k(key)
        self.client.copy_object(
            Bucket=self.bucket,
            Key=full,
            CopySource={"Bucket": self.bucket, "Key": staged.key},
            MetadataDirective="COPY",
        )
        self.client.delete_object(Bucket=self.bucket, Key=staged.key)
        staged._done = False
        if self.versioned():
            head = self.client.head_object(Bucket=self.bucket, Key=full)
            self._delete_versions(full, keep=head.get("VersionId"))


class S3Reader(io.RawIOBase):
    """A seekable reader over an S3 object: ranged GETs with a read-ahead window.

    A demuxer reads a little at the start, jumps to the index (often at the end
    of an MP4) and reads a little more; a 1 MiB window keeps that to a few requests.
    """

    WINDOW = 1024 * 1024

    def __init__(self, store: S3Store, full_key: str, size: int) -> None:
        super().__init__()
        self._store = store
        self._key = full_key
        self._size = size
        self._pos = 0
        self._buf = b""
        self._buf_start = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        elif whence == io.SEEK_END:
            self._pos = self._size + offset
        else:
            raise ValueError(f"unsupported whence {whence}")
        self._pos = max(0, self._pos)
        return self._pos

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        want = min(len(view), self._size - self._pos)
        if want <= 0:
            return 0
        offset = self._pos - self._buf_start
        if not (offset >= 0 and offset + want <= len(self._buf)):
            length = max(want, self.WINDOW)
            body = self._store._get(self._key, self._pos, min(self._size, self._pos + length))
            self._buf = body.read()
            self._buf_start = self._pos
            offset = 0
            want = min(want, len(self._buf))
        view[:want] = self._buf[offset : offset + want]
        self._pos += want
        return want

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        out = bytearray(max(0, size))
        n = self.readinto(out)
        return bytes(out[:n])
