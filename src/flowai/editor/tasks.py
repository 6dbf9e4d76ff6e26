"""Editor background jobs: asset derivatives, exports (whole or in segments) and Magic Cut.

A segmented export is a chord without a waiting worker: the export's job is created parked
(`run_after` far ahead), each segment job and the audio job store their part, and whichever part
finishes last releases the parked job, which joins the parts without re-encoding. Nothing blocks a
worker thread, so two workers (or `flowai serve`'s threads) can never deadlock on each other.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.jobs import JobCancelled, JobContext, PermanentJobError, job_kind
from flowai.core.models import Job
from flowai.editor import service
from flowai.editor.magic_cut import SpeechParams, analyse
from flowai.editor.media import MediaError, make_proxy, make_thumbnails, waveform_peaks
from flowai.editor.models import Asset, Export
from flowai.editor.render import RenderCancelled, render
from flowai.editor.segments import join_segments, render_audio, render_segment
from flowai.editor.timeline import Span, TimelineInvalid

log = logging.getLogger("flowai.editor")
RENDER_LIMIT_S = 4 * 3600.0


def _app(ctx: JobContext) -> AppContext:
    app: AppContext = ctx.services
    return app


# --- asset derivatives -----------------------------------------------------------------------------


def _derive(
    ctx: JobContext, column: str, make: Callable[[Asset, Path, Path], tuple[Path, str]]
) -> dict[str, Any]:
    """Make one derived file of an asset, store it and record its key on the asset."""
    app = _app(ctx)
    asset_id = ctx.payload["asset_id"]
    with app.db.session(tenant_id=ctx.tenant_id) as s:
        row = s.get(Asset, asset_id)
    if row is None:
        return {"skipped": "asset deleted"}
    ctx.progress(5, "reading")
    with tempfile.TemporaryDirectory(prefix="flowai-asset-") as tmp:
        src = service.fetch(app.storage, row.storage_key, Path(tmp))
        ctx.progress(10, column.removesuffix("_key"))
        out, name = make(row, src, Path(tmp))
        ctx.check()
        key = f"t/{ctx.tenant_id}/editor/assets/{asset_id}/{name}"
        app.storage.save_file(key, out)
    with app.db.transaction(tenant_id=ctx.tenant_id) as s:
        done = s.execute(update(Asset).where(Asset.id == asset_id).values({column: key}))
    if done.rowcount != 1:  # type: ignore[attr-defined]  # deleted meanwhile: leave nothing behind
        app.storage.delete(key)
        return {"skipped": "asset deleted"}
    return {"asset_id": asset_id, "key": key}


@job_kind("editor.asset.thumbnails", time_limit_s=600, max_attempts=3, scope="editor:write")
def asset_thumbnails(ctx: JobContext) -> dict[str, Any]:
    """A JPEG strip of 10 thumbnails for the media bin and the timeline."""

    def make(row: Asset, src: Path, tmp: Path) -> tuple[Path, str]:
        duration = service.asset_info(row).duration_seconds if row.kind == "video" else Fraction(0)
        return make_thumbnails(src, tmp / "thumbnails.jpg", duration=duration), "thumbnails.jpg"

    return _derive(ctx, "thumbnails_key", make)


@job_kind("editor.asset.waveform", time_limit_s=600, max_attempts=3, scope="editor:write")
def asset_waveform(ctx: JobContext) -> dict[str, Any]:
    """Audio peaks (100 per second) for drawing the waveform without decoding in the browser."""

    def make(_row: Asset, src: Path, tmp: Path) -> tuple[Path, str]:
        out = tmp / "waveform.json"
        out.write_text(json.dumps(waveform_peaks(src), separators=(",", ":")))
        return out, "waveform.json"

    return _derive(ctx, "waveform_key", make)


@job_kind("editor.asset.proxy", time_limit_s=RENDER_LIMIT_S, max_attempts=3, scope="editor:write")
def asset_proxy(ctx: JobContext) -> dict[str, Any]:
    """A 720p H.264 proxy: the browser previews it instead of a 4K original."""
    height = _app(ctx).settings.editor_proxy_height

    def make(_row: Asset, src: Path, tmp: Path) -> tuple[Path, str]:
        return make_proxy(src, tmp / "proxy.mp4", height=height), "proxy.mp4"

    return _derive(ctx, "proxy_key", make)


# --- exports ---------------------------------------------------------------------------------------


def _load_export(ctx: JobContext) -> Export:
    with _app(ctx).db.session(tenant_id=ctx.tenant_id) as s:
        row = s.get(Export, ctx.payload["export_id"])
    if row is None:
        raise PermanentJobError("the export was deleted")
    return row


def _set_export(ctx: JobContext, export_id: str, **values: Any) -> None:
    with _app(ctx).db.transaction(tenant_id=ctx.tenant_id) as s:
        s.execute(update(Export).where(Export.id == export_id).values(**values))


def _emit(ctx: JobContext, event: str, row: Export, **data: Any) -> None:
    """Tell the tenant's webhook endpoints; a webhook problem never fails the export."""
    try:
        from flowai.enterprise.webhooks.service import emit

        payload = {"export_id": row.id, "project_id": row.project_id, "job_id": row.job_id,
                   "preset": row.preset, **data}  # fmt: skip
        emit(_app(ctx).db, ctx.tenant_id, event, payload, jobs=_app(ctx).jobs)
    except Exception:
        log.exception("export webhook failed", extra={"export_id": row.id})


def _checked(ctx: JobContext, row: Export, workdir: Path) -> Any:
    app = _app(ctx)
    with app.db.session(tenant_id=ctx.tenant_id) as s:
        try:
            return service.materialise(s, app.storage, row.timeline, tenant_id=ctx.tenant_id,
                                       owner_id=row.owner_id, workdir=workdir)  # fmt: skip
        except TimelineInvalid as exc:
            raise PermanentJobError(f"the timeline is no longer valid: {exc}") from exc


def _fail_or_retry(ctx: JobContext, row: Export, exc: BaseException) -> None:
    """Record the end of an export that will not be retried."""
    if isinstance(exc, JobCancelled | RenderCancelled):
        _set_export(ctx, row.id, status="cancelled", finished_at=utcnow())
        return
    final = isinstance(exc, PermanentJobError) or ctx.attempt >= ctx.kind.max_attempts
    if final:
        error = str(exc) or type(exc).__name__
        _set_export(ctx, row.id, status="failed", error=error[:2000], finished_at=utcnow())
        _emit(ctx, "export.failed", row, error=error[:500])


def _finish(ctx: JobContext, row: Export, path: Path, frames: int) -> dict[str, Any]:
    app = _app(ctx)
    key = f"t/{ctx.tenant_id}/editor/exports/{row.id}/{service.output_filename(row)}"
    ctx.progress(97, "uploading")
    stored = app.storage.save_file(key, path)
    _set_export(ctx, row.id, status="succeeded", output_key=key, size=stored.size, frames=frames,
                finished_at=utcnow(), error=None)  # fmt: skip
    _emit(ctx, "export.succeeded", row, frames=frames, size=stored.size)
    url = app.storage.download_url(key, filename=service.output_filename(row))
    return {"export_id": row.id, "frames": frames, "size": stored.size, "download_url": url}


@job_kind("editor.export", time_limit_s=RENDER_LIMIT_S, max_attempts=2, expensive=True, scope="exports:write")
def export(ctx: JobContext) -> dict[str, Any]:
    """Render a project version to MP4 (or join its segments), store it, announce it."""
    row = _load_export(ctx)
    _set_export(ctx, row.id, status="running")
    try:
        with tempfile.TemporaryDirectory(prefix="flowai-export-") as tmp:
            work = Path(tmp)
            if len(row.segments) > 1:
                return _join(ctx, row, work)
            checked = _checked(ctx, row, work)
            result = render(
                checked, work / "out.mp4", preset=row.preset, quality=row.quality,  # type: ignore[arg-type]
                on_progress=lambda pct, stage: ctx.progress(pct * 0.95, stage),
                should_cancel=ctx.cancelled.is_set, threads=_app(ctx).settings.ffmpeg_threads,
            )  # fmt: skip
            return _finish(ctx, row, result.path, result.frames)
    except BaseException as exc:
        _fail_or_retry(ctx, row, exc)
        if isinstance(exc, RenderCancelled):
            raise JobCancelled() from exc
        if isinstance(exc, MediaError):
            raise PermanentJobError(str(exc)) from exc
        raise


def _join(ctx: JobContext, row: Export, work: Path) -> dict[str, Any]:
    app = _app(ctx)
    ctx.progress(90, "joining segments")
    keys = service.part_keys(row)
    local = [service.fetch(app.storage, key, work) for key in keys]
    out = join_segments(local[:-1], work / "out.mp4", audio=local[-1])
    result = _finish(ctx, row, out, row.segments[-1][1])
    _discard_parts(ctx, row)
    return result


class _ParentWatch:
    """Whether the export's own job ended (cancelled or failed) while a part renders: asked at
    most once a second, so a part stops soon after the user cancels the export."""

    def __init__(self, ctx: JobContext, job_id: str | None) -> None:
        self.ctx, self.job_id, self.checked, self.ended = ctx, job_id, 0.0, False

    def __call__(self, fresh: bool = False) -> bool:
        if self.ctx.cancelled.is_set():
            return True
        if self.job_id and not self.ended and (fresh or time.monotonic() - self.checked > 1.0):
            self.checked = time.monotonic()
            with _app(self.ctx).db.session(tenant_id=self.ctx.tenant_id) as s:
                status = s.execute(select(Job.status).where(Job.id == self.job_id)).scalar()
            self.ended = status in ("cancelled", "failed", "succeeded", None)
        return self.ended


def _part(ctx: JobContext, index: int, make: Callable[[Any, Path, _ParentWatch], Path]) -> dict[str, Any]:
    """Render one part of a segmented export, store it, and release the join when it is the last.

    A part that finds the export ended (cancelled, failed) deletes every stored part, its own
    included: each part looks again after storing, so none outlives an export that ended first.
    """
    app = _app(ctx)
    row = _load_export(ctx)
    watch = _ParentWatch(ctx, row.job_id)
    if watch(fresh=True):
        return _skip(ctx, row)
    try:
        with tempfile.TemporaryDirectory(prefix="flowai-part-") as tmp:
            checked = _checked(ctx, row, Path(tmp))
            out = make(checked, Path(tmp), watch)
            app.storage.save_file(service.part_keys(row)[index], out)
    except RenderCancelled:
        return _skip(ctx, row)
    except BaseException as exc:
        final = isinstance(exc, PermanentJobError | TimelineInvalid) or ctx.attempt >= ctx.kind.max_attempts
        if final and not isinstance(exc, JobCancelled):
            _fail_parent(ctx, row, f"segment {index}: {exc}")
        raise
    if watch(fresh=True):
        return _skip(ctx, row)
    done = sum(app.storage.exists(k) for k in service.part_keys(row))
    total = len(service.part_keys(row))
    now = utcnow()
    with app.db.transaction(tenant_id=ctx.tenant_id) as s:
        values: dict[str, Any] = {
            "progress": int(90 * done / total),
            "stage": f"{done} of {total} parts rendered",
        }
        if done == total:  # every part is stored: the join may run now (the last part gets here)
            values.update(run_after=now, dispatched_at=now, stage="joining")
        s.execute(update(Job).where(Job.id == row.job_id, Job.status == "queued").values(**values))
        parent = s.get(Job, row.job_id) if done == total else None
    if parent is not None and parent.status == "queued":
        app.dispatcher.dispatch(parent)
    return {"export_id": row.id, "part": index, "parts_done": done}


def _skip(ctx: JobContext, row: Export) -> dict[str, Any]:
    _discard_parts(ctx, row)
    return {"skipped": "the export ended"}


def _discard_parts(ctx: JobContext, row: Export) -> None:
    for key in service.part_keys(row):
        _app(ctx).storage.delete(key)


def _fail_parent(ctx: JobContext, row: Export, error: str) -> None:
    with _app(ctx).db.transaction(tenant_id=ctx.tenant_id) as s:
        s.execute(
            update(Job)
            .where(Job.id == row.job_id, Job.status == "queued")
            .values(status="failed", stage="failed", error=error[:2000], finished_at=utcnow())
        )
    _set_export(ctx, row.id, status="failed", error=error[:2000], finished_at=utcnow())
    _emit(ctx, "export.failed", row, error=error[:500])
    _discard_parts(ctx, row)


@job_kind("editor.export.segment", time_limit_s=RENDER_LIMIT_S, max_attempts=3, scope="exports:write")
def export_segment(ctx: JobContext) -> dict[str, Any]:
    """The video of one segment of a segmented export (any worker may take any segment)."""
    index = int(ctx.payload["index"])

    def make(checked: Any, tmp: Path, watch: _ParentWatch) -> Path:
        row = _load_export(ctx)
        window = Span(*row.segments[index])
        return render_segment(
            checked, window, tmp / "segment.mp4", preset=row.preset, quality=row.quality,  # type: ignore[arg-type]
            on_progress=lambda pct, stage: ctx.progress(pct, stage), should_cancel=watch,
            threads=_app(ctx).settings.ffmpeg_threads,
        ).path  # fmt: skip

    return _part(ctx, index, make)


@job_kind("editor.export.audio", time_limit_s=RENDER_LIMIT_S, max_attempts=3, scope="exports:write")
def export_audio(ctx: JobContext) -> dict[str, Any]:
    """The whole soundtrack of a segmented export (AAC cut into pieces would click at joins)."""

    def make(checked: Any, tmp: Path, watch: _ParentWatch) -> Path:
        row = _load_export(ctx)
        return render_audio(checked, tmp / "audio.m4a", preset=row.preset, should_cancel=watch,
                            threads=_app(ctx).settings.ffmpeg_threads).path  # fmt: skip

    row = _load_export(ctx)
    return _part(ctx, len(row.segments), make)


# --- Magic Cut -------------------------------------------------------------------------------------


@job_kind("editor.magic_cut", time_limit_s=RENDER_LIMIT_S, max_attempts=2, scope="editor:write")
def magic_cut(ctx: JobContext) -> dict[str, Any]:
    """Speech, silences (seconds) and scene starts (frames) of one asset."""
    app = _app(ctx)
    p = ctx.payload
    with app.db.session(tenant_id=ctx.tenant_id) as s:
        row = s.get(Asset, p["asset_id"])
    if row is None:
        raise PermanentJobError("the asset was deleted")
    ctx.progress(5, "analysing")
    params = SpeechParams(threshold=float(p.get("threshold", 0.5)), min_silence=float(p.get("min_silence", 0.3)),
                          padding=float(p.get("padding", 0.1)))  # fmt: skip
    scenes = p.get("scenes", "scdet")
    with tempfile.TemporaryDirectory(prefix="flowai-cut-") as tmp:
        src = service.fetch(app.storage, row.storage_key, Path(tmp))
        try:
            result = analyse(src, params=params, detector=None if scenes == "none" else scenes)
        except MediaError as exc:
            raise PermanentJobError(str(exc)) from exc
    return {"asset_id": row.id, "duration": round(result.duration, 3), **result.as_json()}
