"""Storage: uploads stream with limits and sniffing; downloads through signed URLs; S3 wire protocol."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from flowai_images import image_bytes, png_bomb
from flowai_testkit import csrf, make_settings, run_async, signup

from flowai.core.context import AppContext
from flowai.core.storage import S3Storage, TooLarge
from flowai.settings import Settings

PNG = image_bytes(64, 64, fmt="PNG")
WAV = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + bytes(200)


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _media_files(ctx: AppContext) -> list[Path]:
    return [p for p in ctx.settings.media_dir.rglob("*") if p.is_file()]


def test_local_round_trip_through_signed_url(client: TestClient, ctx: AppContext) -> None:
    signup(client)
    r = client.post("/v1/files?kind=image&filename=../../etc/cover.png", content=PNG, headers=csrf(client))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert body["filename"] == "cover.png"  # path components never reach the storage key
    download = client.get(_path_of(body["download_url"]))
    assert download.status_code == 200 and download.content == PNG
    # a signed URL needs no session (it is the credential) and works from any host
    anonymous = TestClient(client.app, base_url="http://somewhere-else.test")
    assert anonymous.get(_path_of(body["download_url"])).content == PNG


def test_downloads_carry_the_sniffed_type_never_one_from_the_name(
    client: TestClient, ctx: AppContext
) -> None:
    """A PNG uploaded as `page.html` is served as image/png: a name never makes an upload HTML."""
    signup(client)
    body = client.post("/v1/files?kind=image&filename=page.html", content=PNG, headers=csrf(client)).json()
    download = client.get(_path_of(body["download_url"]))
    assert download.status_code == 200 and download.headers["content-type"] == "image/png"
    tampered = _path_of(body["download_url"]).replace("type=image%2Fpng", "type=text%2Fhtml")
    assert client.get(tampered).status_code == 403  # the type is signed with the link
    # a link signed without a type gets a media type from the name, else octet-stream
    key = urlsplit(body["download_url"]).path.removeprefix("/v1/files/raw/")
    plain = _path_of(ctx.storage.download_url(key, filename="page.html"))
    assert client.get(plain).headers["content-type"] == "application/octet-stream"
    jpg = _path_of(ctx.storage.download_url(key, filename="x.jpg"))
    assert client.get(jpg).headers["content-type"] == "image/jpeg"


def test_image_bombs_and_fake_images_are_refused_and_leave_nothing(
    client: TestClient, ctx: AppContext
) -> None:
    signup(client)
    for content, problem in [
        (png_bomb(30000, 30000), "image-too-large"),
        (png_bomb(8000, 8000), "image-too-large"),  # over 8K (7680x4320), under Pillow's own limit
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "unreadable-image"),
        (image_bytes(64, 64)[:-30], "unreadable-image"),
    ]:
        r = client.post("/v1/files?kind=image&filename=a.png", content=content, headers=csrf(client))
        assert r.status_code == 422 and r.json()["type"].endswith(problem), r.text
        assert r.json()["errors"][0]["field"] == "body"
        if content[16:24] == (8000).to_bytes(4, "big") * 2:
            assert "8000x8000 pixels; at most 7680x4320" in r.json()["detail"]
    # nothing stored, and no folder left behind either
    assert list(ctx.settings.media_dir.rglob("*")) == []


def test_tampered_or_expired_url_is_403(client: TestClient, ctx: AppContext) -> None:
    signup(client)
    body = client.post("/v1/files?kind=image", content=PNG, headers=csrf(client)).json()
    url = urlsplit(body["download_url"])
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    tampered = dict(q, exp=str(int(q["exp"]) + 3600))
    assert client.get(f"{url.path}?{urlencode(tampered)}").status_code == 403
    other_key = url.path.replace(body["id"], "01aaaaaaaaaaaaaaaaaaaaaaaa")
    assert client.get(f"{other_key}?{url.query}").status_code == 403
    storage = ctx.storage
    key = url.path.removeprefix("/v1/files/raw/")
    expired_at = int(time.time()) - 1
    sig = storage._signature(key, expired_at, q["name"])  # type: ignore[union-attr]
    r = client.get(f"{url.path}?{urlencode({'exp': expired_at, 'name': q['name'], 'sig': sig})}")
    assert r.status_code == 403 and "expired" in r.json()["detail"]


def test_oversized_upload_is_413_and_leaves_nothing(tmp_path: Path, database_url: str) -> None:
    from flowai.app import create_app

    ctx = AppContext.build(make_settings(tmp_path, database_url, max_upload_mb_image=1))
    with TestClient(create_app(ctx), base_url="http://localhost") as client:
        signup(client)
        big = PNG + b"\0" * (1024 * 1024)

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
            for i in range(0, len(big), 65536):
                yield big[i : i + 65536]

        r = client.post("/v1/files?kind=image", content=chunks(), headers=csrf(client))
        assert r.status_code == 413 and "1 MiB" in r.json()["detail"]
        r = client.post("/v1/files?kind=image", content=big, headers=csrf(client))
        assert r.status_code == 413
        assert _media_files(ctx) == []


def test_content_is_sniffed_not_trusted(client: TestClient, ctx: AppContext) -> None:
    signup(client)
    r = client.post(
        "/v1/files?kind=image&filename=x.png",
        content=b"#!/bin/sh\necho pwned\n",
        headers={**csrf(client), "Content-Type": "image/png"},
    )
    assert r.status_code == 415 and "image uploads accept" in r.json()["detail"]
    r = client.post("/v1/files?kind=video&filename=x.mp4", content=WAV, headers=csrf(client))
    assert r.status_code == 415
    assert client.post("/v1/files?kind=audio", content=WAV, headers=csrf(client)).status_code == 201
    assert client.post("/v1/files?kind=pdf", content=PNG, headers=csrf(client)).status_code == 422
    assert len(_media_files(ctx)) == 1


# --- S3 wire protocol, against moto's S3 server on loopback ----------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _s3(tmp_path: Path, endpoint: str) -> S3Storage:
    import boto3

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        storage_backend="s3",
        s3_endpoint_url=endpoint,
        s3_bucket="flowai-test",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket="flowai-test")
    return S3Storage(settings)


async def _aiter(data: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_s3_round_trip_multipart_and_presigned(tmp_path: Path, s3_endpoint: str) -> None:
    storage = _s3(tmp_path, s3_endpoint)
    payload = bytes(range(256)) * (40 * 1024 * 4)  # 40 MiB: above the multipart threshold
    stored = run_async(storage.save_stream("t/x/video/1/big.bin", _aiter(payload), max_bytes=64 << 20))
    assert stored.size == len(payload)
    got = httpx.get(storage.download_url("t/x/video/1/big.bin", filename="big.bin"))
    assert got.status_code == 200 and got.content == payload
    put = storage.upload_url("t/x/image/2/direct.png", content_type="image/png")
    assert put is not None
    assert httpx.put(put, content=PNG, headers={"Content-Type": "image/png"}).status_code == 200
    assert storage.open("t/x/image/2/direct.png").read() == PNG
    storage.delete("t/x/video/1/big.bin")
    assert not storage.exists("t/x/video/1/big.bin")


def test_s3_oversized_upload_leaves_nothing(tmp_path: Path, s3_endpoint: str) -> None:
    storage = _s3(tmp_path, s3_endpoint)
    with pytest.raises(TooLarge):
        run_async(
            storage.save_stream("t/x/image/3/too-big.png", _aiter(b"\0" * (3 << 20)), max_bytes=2 << 20)
        )
    assert not storage.exists("t/x/image/3/too-big.png")
    assert list((tmp_path / "spool").iterdir()) == []
