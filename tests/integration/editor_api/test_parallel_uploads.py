"""Uploads sent side by side (the media bin sends up to three at once) all land, promptly."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from .conftest import Media  # type: ignore[import-not-found]


def test_parallel_uploads_do_not_wait_for_each_other(
    client: TestClient, editor: dict[str, Any], media: Media
) -> None:
    # The database work of an upload used to run on the event loop: one upload waiting there for
    # SQLite's write lock stopped the loop, so the upload holding the lock could not commit, and
    # both hung for the 30 s busy timeout before one failed with "database is locked".
    files = [media.v30, media.v30b, media.speech, media.v30]
    start = threading.Barrier(len(files))
    results: dict[int, tuple[int, float]] = {}

    def send(i: int) -> None:
        body = files[i].read_bytes()
        start.wait()
        t = time.monotonic()
        r = client.post(f"/v1/assets?filename=f{i}.mp4", content=body, headers=editor["h"])
        results[i] = (r.status_code, time.monotonic() - t)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert sorted(results) == list(range(len(files))), results
    assert all(status == 201 for status, _ in results.values()), results
    assert max(seconds for _, seconds in results.values()) < 10, results
    listed = client.get("/v1/assets?limit=100").json()["items"]
    assert {a["filename"] for a in listed} >= {f"f{i}.mp4" for i in range(len(files))}
