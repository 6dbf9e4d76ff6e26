"""Assets (upload → probe → derivative jobs), projects, timelines and isolation, on both DBs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import av
from fastapi.testclient import TestClient
from flowai_images import image_bytes, png_bomb
from flowai_testkit import create_key, csrf, signup

from flowai.core.context import AppContext
from flowai.core.models import Job

from .conftest import Media, upload  # type: ignore[import-not-found]


def one_clip(asset_id: str, source_in: int = 0, source_out: int = 90) -> dict[str, Any]:
    return {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v1", "clips": [
            {"id": "c1", "asset_id": asset_id, "source_in": source_in, "source_out": source_out, "start": 0}
        ]}],
    }  # fmt: skip


def test_upload_probes_and_makes_proxy_thumbnails_waveform(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job]
) -> None:
    asset = upload(client, editor["h"], media.v30)
    assert asset["kind"] == "video" and asset["fps"] == "30/1" and asset["frames"] == 90
    assert (asset["width"], asset["height"]) == (320, 180)
    assert asset["video_codec"] == "h264" and asset["audio_codec"] == "aac" and asset["audio_channels"] == 2
    assert abs(asset["duration_us"] - 3_000_000) < 50_000
    assert set(asset["jobs"]) == {"thumbnails", "waveform", "proxy"}
    for job_id in asset["jobs"].values():
        assert finished(job_id).status == "succeeded"
    got = client.get(f"/v1/assets/{asset['id']}").json()
    proxy = client.get(got["proxy_url"])
    assert proxy.status_code == 200
    with av.open(__import__("io").BytesIO(proxy.content)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264" and (v.width, v.height) == (320, 180)  # never upscaled
        assert sum(1 for _ in c.decode(video=0)) == 90
    peaks = client.get(got["waveform_url"]).json()
    assert peaks["version"] == 2 and peaks["length"] == 300  # 100 peak pairs per second
    assert max(peaks["data"]) > 40  # the beep
    assert client.get(got["thumbnails_url"]).content[:2] == b"\xff\xd8"  # a JPEG
    listed = client.get("/v1/assets").json()["items"]
    assert [a["id"] for a in listed] == [asset["id"]]


def test_corrupt_or_unsupported_media_is_refused_and_leaves_nothing(
    client: TestClient, editor: dict[str, Any], media: Media, ctx: AppContext
) -> None:
    r = client.post("/v1/assets?filename=x.mp4", content=media.corrupt.read_bytes(), headers=editor["h"])
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/unreadable-media") and body["errors"][0]["field"] == "body"
    r = client.post("/v1/assets?filename=notes.txt", content=b"just some text\n" * 100, headers=editor["h"])
    assert r.status_code == 415 and "not a recognised media format" in r.json()["detail"]
    assert client.get("/v1/assets").json()["items"] == []
    stored = list((ctx.settings.media_dir).rglob("*"))
    assert not [p for p in stored if p.is_file() and "editor" in p.parts]
    with ctx.db.session(system=True) as s:
        assert s.query(Job).filter(Job.owner_id == editor["user"]["id"]).count() == 0


def test_refused_uploads_name_the_file_only_and_leave_no_folders(
    client: TestClient, editor: dict[str, Any], media: Media, ctx: AppContext
) -> None:
    """A truncated MP4's 422 names the uploaded file, never a server path; no refused upload
    leaves a file or an empty folder in storage."""
    truncated = media.v30.read_bytes()[:20_000]
    for content, name in [
        (truncated, "clip.mp4"),
        (media.corrupt.read_bytes(), "x.mp4"),
        (b"text" * 99, "a.txt"),
    ]:
        r = client.post(f"/v1/assets?filename={name}", content=content, headers=editor["h"])
        assert r.status_code in (415, 422), r.text
        assert str(ctx.settings.data_dir) not in r.text and str(ctx.settings.media_dir) not in r.text
        assert "/t/" not in r.text and "editor/assets" not in r.text, r.text
        if name.endswith(".mp4"):
            assert r.json()["detail"].startswith(f"body: {name}: "), r.text  # the file, by its name
    assert list(ctx.settings.media_dir.rglob("*")) == []  # not even empty folders


def test_asset_kind_follows_the_content_not_the_name(
    client: TestClient, editor: dict[str, Any], media: Media, ctx: AppContext
) -> None:
    r = client.post("/v1/assets?filename=holiday.png", content=media.v30.read_bytes(), headers=editor["h"])
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "video" and r.json()["frames"] == 90
    r = client.post("/v1/assets?filename=still.mp4", content=image_bytes(64, 32), headers=editor["h"])
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "image" and (r.json()["width"], r.json()["height"]) == (64, 32)


def test_image_bombs_are_refused_before_decoding(
    client: TestClient, editor: dict[str, Any], ctx: AppContext
) -> None:
    for w, h in [(30000, 30000), (8000, 8000)]:
        r = client.post("/v1/assets?filename=bomb.png", content=png_bomb(w, h), headers=editor["h"])
        assert r.status_code == 422 and "at most 7680x4320" in r.json()["detail"], r.text
    assert client.get("/v1/assets").json()["items"] == []
    assert list(ctx.settings.media_dir.rglob("*")) == []


def test_timeline_put_needs_the_current_version(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job]
) -> None:
    h = editor["h"]
    asset = upload(client, h, media.v30)
    project = client.post("/v1/projects", json={"name": "Cut"}, headers=h)
    assert project.status_code == 201 and project.headers["etag"] == '"1"'
    pid = project.json()["id"]
    doc = one_clip(asset["id"], 10, 40)
    assert client.put(f"/v1/projects/{pid}/timeline", json=doc, headers=h).status_code == 428
    ok = client.put(f"/v1/projects/{pid}/timeline", json=doc, headers={**h, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["etag"] == '"2"'
    stale = client.put(
        f"/v1/projects/{pid}/timeline", json=one_clip(asset["id"]), headers={**h, "If-Match": '"1"'}
    )
    assert stale.status_code == 409 and stale.headers["etag"] == '"2"'
    assert (
        client.get(f"/v1/projects/{pid}").json()["timeline"]["video_tracks"][0]["clips"][0]["source_in"] == 10
    )
    bad = one_clip(asset["id"], 10, 400)
    r = client.put(f"/v1/projects/{pid}/timeline", json=bad, headers={**h, "If-Match": '"2"'})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "video_tracks.0.clips.0.source_out"
    assert client.get(f"/v1/projects/{pid}").json()["version"] == 2  # nothing half-written


def test_other_tenants_and_users_assets_are_not_found(
    client: TestClient, editor: dict[str, Any], media: Media, make_tenant: Callable[[str], str]
) -> None:
    asset = upload(client, editor["h"], media.v30)
    pid = client.post("/v1/projects", json={"name": "Mine"}, headers=editor["h"]).json()["id"]
    with TestClient(client.app, base_url=f"http://{make_tenant('other')}") as other:
        signup(other)
        h = csrf(other)
        assert other.get(f"/v1/assets/{asset['id']}").status_code == 404
        assert other.get(f"/v1/projects/{pid}").status_code == 404
        assert other.post(f"/v1/projects/{pid}/exports", json={}, headers=h).status_code == 404
        r = other.post("/v1/projects", json={"name": "Theft", "timeline": one_clip(asset["id"])}, headers=h)
        assert r.status_code == 422
        assert r.json()["errors"] == [
            {"field": "video_tracks.0.clips.0.asset_id", "message": f"asset {asset['id']!r} not found"}
        ]
    with TestClient(client.app, base_url="http://localhost") as colleague:  # same tenant, another member
        signup(colleague)
        h = csrf(colleague)
        assert colleague.get(f"/v1/assets/{asset['id']}").status_code == 404
        r = colleague.post("/v1/projects", json={"name": "X", "timeline": one_clip(asset["id"])}, headers=h)
        assert r.status_code == 422 and "not found" in r.json()["detail"]
        reader = create_key(colleague, ["read"])
        denied = colleague.post(
            "/v1/projects", json={"name": "X"}, headers={"Authorization": f"Bearer {reader}"}
        )
        assert denied.status_code == 403 and denied.json()["type"].endswith("/insufficient-scope")


def test_interchange_and_timeline_bodies_are_bounded_while_streaming(client: TestClient) -> None:
    """A body over 5 MiB is refused with 413 without being read whole (no Content-Length here:
    the count is what stops it)."""
    signup(client)
    project = client.post("/v1/projects", json={"name": "Big"}, headers=csrf(client)).json()

    def chunks() -> Iterator[bytes]:
        for _ in range(6):
            yield b" " * 2**20

    for url in (f"/v1/projects/{project['id']}/import.otio", f"/v1/projects/{project['id']}/timeline"):
        method = "POST" if url.endswith(".otio") else "PUT"
        r = client.request(method, url, content=chunks(), headers=csrf(client))
        assert r.status_code == 413, r.text
        assert r.json()["errors"][0]["field"] == "body"
