"""Object storage behind one protocol: a local folder (embedded) or any S3 API (production).

Uploads stream in chunks with a hard byte limit; a failed or oversized upload leaves nothing.
Downloads go through signed, expiring URLs on both backends.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote, urlencode

from flowai.core.security import constant_time_equal, sign
from flowai.settings import Settings

CHUNK = 1024 * 1024


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str
    head: bytes  # the first bytes, for content sniffing


class Storage(Protocol):
    async def save_stream(self, key: str, chunks: AsyncIterator[bytes], max_bytes: int) -> Stored: ...
    def save_file(self, key: str, path: Path) -> Stored: ...
    def open(self, key: str) -> BinaryIO: ...
    def local_path(self, key: str) -> Path | None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str) -> Iterator[str]: ...
    def download_url(
        self,
        key: str,
        *,
        filename: str | None = None,
        ttl: int | None = None,
        content_type: str | None = None,
    ) -> str: ...
    def upload_url(self, key: str, *, content_type: str, ttl: int | None = None) -> str | None: ...


async def _write_limited(
    chunks: AsyncIterator[bytes], out: BinaryIO, max_bytes: int
) -> tuple[int, str, bytes]:
    """Copy a stream to `out`, refusing past `max_bytes`; returns size, SHA-256 and the first 4 KiB."""
    digest, size, head = hashlib.sha256(), 0, b""
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(max_bytes)
        if len(head) < 4096:
            head += chunk[: 4096 - len(head)]
        digest.update(chunk)
        out.write(chunk)
    return size, digest.hexdigest(), head


def _temp_beside(dest: Path) -> tuple[int, str]:
    """A temporary file in `dest`'s folder, created with the folder. A concurrent `delete` may prune
    that folder when it is empty between the two steps, so creating the file is retried."""
    for _ in range(5):
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            return tempfile.mkstemp(dir=dest.parent, prefix=".upload-")
        except FileNotFoundError:
            continue
    dest.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(dir=dest.parent, prefix=".upload-")


def _safe_key(key: str) -> str:
    if not key or key.startswith("/") or ".." in key.split("/") or "\\" in key:
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files under `<data_dir>/media`; signed URLs (host-relative) are verified by `/v1/files/raw/...`."""

    def __init__(self, root: Path, secret_key: str, default_ttl: int) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._secret = secret_key
        self._ttl = default_ttl

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    async def save_stream(self, key: str, chunks: AsyncIterator[bytes], max_bytes: int) -> Stored:
        dest = self._path(key)
        fd, tmp = _temp_beside(dest)
        try:
            with os.fdopen(fd, "wb") as out:
                size, sha256, head = await _write_limited(chunks, out, max_bytes)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Stored(key, size, sha256, head)

    def save_file(self, key: str, path: Path) -> Stored:
        dest = self._path(key)
        digest, size = hashlib.sha256(), 0
        fd, tmp = _temp_beside(dest)
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                head = src.read(4096)
                src.seek(0)
                while chunk := src.read(CHUNK):
                    size += len(chunk)
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Stored(key, size, digest.hexdigest(), head)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the object and every folder it leaves empty (a refused upload leaves nothing)."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                break
            folder = folder.parent

    def keys(self, prefix: str) -> Iterator[str]:
        """Every stored key under `prefix` (a folder-like `t/<tenant>/` prefix)."""
        base = self.root / _safe_key(prefix.rstrip("/"))
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith(".upload-"):
                    yield path.relative_to(self.root).as_posix()

    def _signature(self, key: str, expires: int, filename: str, content_type: str | None = None) -> str:
        signed = f"{key}\n{expires}\n{filename}"
        return sign(self._secret, signed if content_type is None else f"{signed}\n{content_type}")

    def download_url(
        self,
        key: str,
        *,
        filename: str | None = None,
        ttl: int | None = None,
        content_type: str | None = None,
    ) -> str:
        """A signed link; `content_type` (signed too) is the Content-Type the object is served with."""
        expires = int(time.time()) + (ttl or self._ttl)
        name = filename or key.rsplit("/", 1)[-1]
        params: dict[str, str | int] = {"exp": expires, "name": name}
        if content_type is not None:
            params["type"] = content_type
        params["sig"] = self._signature(key, expires, name, content_type)
        # Relative, so the link works on whichever host (tenant domain) the caller used.
        return f"/v1/files/raw/{quote(_safe_key(key))}?{urlencode(params)}"

    def verify(
        self, key: str, expires: int, filename: str, signature: str, content_type: str | None = None
    ) -> bool:
        """True only for an untampered URL that has not expired."""
        if expires < time.time():
            return False
        return constant_time_equal(self._signature(key, expires, filename, content_type), signature)

    def upload_url(self, key: str, *, content_type: str, ttl: int | None = None) -> str | None:
        return None  # the local backend takes uploads through the API itself


class S3Storage:
    """Any S3 API through boto3: multipart for large objects, presigned GET/PUT URLs."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig

        self.bucket = settings.s3_bucket
        self._ttl = settings.signed_url_ttl_seconds
        self._client = client or boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
        )
        self._transfer = TransferConfig(multipart_threshold=8 * CHUNK, multipart_chunksize=8 * CHUNK)
        self._spool = settings.data_dir / "spool"

    async def save_stream(self, key: str, chunks: AsyncIterator[bytes], max_bytes: int) -> Stored:
        # Spool to disk with the limit first so a too-large upload never reaches the bucket.
        self._spool.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._spool)
        path = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                size, sha256, head = await _write_limited(chunks, out, max_bytes)
            self._put(key, path)
        finally:
            path.unlink(missing_ok=True)
        return Stored(_safe_key(key), size, sha256, head)

    def _put(self, key: str, path: Path) -> None:
        try:
            self._client.upload_file(str(path), self.bucket, _safe_key(key), Config=self._transfer)
        except BaseException:
            self.delete(key)  # upload_file aborts its multipart upload; make sure no object lingers
            raise

    def save_file(self, key: str, path: Path) -> Stored:
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as f:
            head = f.read(4096)
            f.seek(0)
            while chunk := f.read(CHUNK):
                size += len(chunk)
                digest.update(chunk)
        self._put(key, path)
        return Stored(key, size, digest.hexdigest(), head)

    def open(self, key: str) -> BinaryIO:
        body: BinaryIO = self._client.get_object(Bucket=self.bucket, Key=_safe_key(key))["Body"]
        return body

    def local_path(self, key: str) -> Path | None:
        return None

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        body = self.open(key)
        while chunk := body.read(CHUNK):
            yield chunk

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=_safe_key(key))
            return True
        except ClientError:
            return False

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=_safe_key(key))

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=_safe_key(prefix)):
            for obj in page.get("Contents", []):
                yield str(obj["Key"])

    def download_url(
        self,
        key: str,
        *,
        filename: str | None = None,
        ttl: int | None = None,
        content_type: str | None = None,
    ) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": _safe_key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        if content_type:
            params["ResponseContentType"] = content_type
        url: str = self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=ttl or self._ttl
        )
        return url

    def upload_url(self, key: str, *, content_type: str, ttl: int | None = None) -> str | None:
        url: str = self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": _safe_key(key), "ContentType": content_type},
            ExpiresIn=ttl or self._ttl,
        )
        return url


def make_storage(settings: Settings) -> LocalStorage | S3Storage:
    if settings.storage_backend == "s3":
        return S3Storage(settings)
    return LocalStorage(
        settings.media_dir,
        settings.resolved_secret_key,
        settings.signed_url_ttl_seconds,
    )
