"""The voice HTTP API (thin: the logic is in service.py, the work in tasks.py).

Scopes: `read` for reads, `voice:write` to clone, narrate and delete. Another user's voices and
narrations answer 404, exactly like missing ones.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from flowai.core.auth import Principal
from flowai.core.deps import DB, Ctx, Reader, Tenant, client_ip, require
from flowai.core.errors import Problem, field_error
from flowai.core.models import Job, StoredFile
from flowai.core.uploads import safe_filename
from flowai.voice import service
from flowai.voice.engines.base import EngineError
from flowai.voice.models import VoiceClone, VoiceNarration
from flowai.voice.schemas import CloneOut, NarrationOut, Quality, TtsIn, VoiceOut

Voicer = Annotated[Principal, require("voice:write")]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
router = APIRouter(prefix="/v1", tags=["voice"])
FILE_FIELDS = ("audio", "file", "files")
# A clone form is an audio file and a consent field: anything far bigger is refused, not buffered.
MAX_PARTS = 16
MAX_PART_HEADERS = 8
MAX_HEADER_LINE = 4096  # one header line of a part
MAX_PART_HEADER_BYTES = 16 * 1024  # all header names and values of one part together
YES = {"true", "1", "yes", "on"}


def clone_out(row: VoiceClone, job: Job | None = None) -> CloneOut:
    """`job`: the clone's job, for the progress of one still processing."""
    quality = Quality.model_validate(row.quality) if row.quality else None
    running = row.status == "processing"
    return CloneOut(
        id=row.id, status=row.status, engine=row.engine, voice_id=row.engine_voice_id, job_id=row.job_id,
        report=row.report or {}, quality=quality, metrics=row.metrics or {},
        consent_statement=row.consent_statement, consent_at=row.consent_at, error=row.error,
        error_code=row.error_code, created_at=row.created_at, ready_at=row.ready_at,
        progress=(job.progress if job else 0) if running else None,
        stage=(job.stage if job else "queued") if running else None,
    )  # fmt: skip


def _job_of(s: DB, row: VoiceClone | None) -> Job | None:
    if row is None or row.status != "processing" or not row.job_id:
        return None
    return s.get(Job, row.job_id)


def voice_out(ctx: Ctx, s: DB, principal: Principal) -> VoiceOut:
    profile = service.get_profile(s, principal.user_id)
    clones = [c for c in service.clones_of(s, principal.user_id) if c.status != "deleted"]
    active = next((c for c in clones if c.status == "ready"), None)
    latest = clones[0] if clones else None
    shown = active or latest
    return VoiceOut(
        status=profile.voice_clone_status,
        voice_id=profile.voice_clone_id,
        engine=active.engine if active else ctx.settings.voice_engine,
        clone=clone_out(shown, _job_of(s, shown)) if shown else None,
        last_attempt=clone_out(latest, _job_of(s, latest)) if latest else None,
    )


def narration_out(ctx: Ctx, s: DB, row: VoiceNarration) -> NarrationOut:
    url = None
    if row.file_id:
        file = s.get(StoredFile, row.file_id)
        if file is not None:
            url = ctx.storage.download_url(file.storage_key, filename=file.filename)
    return NarrationOut(
        id=row.id, status=row.status, engine=row.engine, voice=row.voice, format=row.format, text=row.text,
        job_id=row.job_id, file_id=row.file_id, download_url=url, seconds=row.seconds, wer=row.wer,
        wer_passed=row.wer_passed, attempts=row.attempts, scores=list(row.scores or []),
        transcript=row.transcript, error=row.error, created_at=row.created_at, finished_at=row.finished_at,
    )  # fmt: skip


# --- upload ---------------------------------------------------------------------------------------


@dataclass
class Received:
    path: Path | None = None
    filename: str = "sample"
    fields: dict[str, str] = field(default_factory=dict)


async def receive(request: Request, dest: Path, limit: int) -> Received:
    """Stream the sample to `dest` with a byte limit: a multipart form (file field `audio`, plus
    `consent`) or the raw body (`?consent=true&filename=…`)."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    got = Received()
    size = 0

    def too_large() -> Problem:
        return field_error(
            413, "too-large", "audio",
            f"voice samples are limited to {limit // (1024 * 1024)} MiB; 1 to 3 minutes of speech is plenty",
        )  # fmt: skip

    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise too_large()
    if ctype != b"multipart/form-data":
        with dest.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large()
                await run_in_threadpool(out.write, chunk)  # disk I/O off the event loop
        got.path = dest if size else None
        return got

    boundary = params.get(b"boundary")
    if not boundary:
        raise field_error(400, "bad-multipart", "body", "the multipart form has no boundary")
    out = dest.open("wb")
    state: dict[str, Any] = {"header": b"", "headers": {}, "name": "", "file": False, "value": b""}
    counts = {"parts": 0, "header_bytes": 0}

    def bad_form(message: str) -> Problem:
        return field_error(400, "bad-multipart", "body", message)

    def header_bytes(n: int) -> None:
        counts["header_bytes"] += n
        if counts["header_bytes"] > MAX_PART_HEADER_BYTES:
            raise bad_form(f"a part's headers are limited to {MAX_PART_HEADER_BYTES // 1024} KiB")

    def on_part_begin() -> None:
        counts["parts"] += 1
        counts["header_bytes"] = 0
        if counts["parts"] > MAX_PARTS:
            raise bad_form(f"the form is limited to {MAX_PARTS} parts (send `audio` and `consent`)")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_bytes(end - start)
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_bytes(end - start)
        key = state["header"].lower()
        state["headers"][key] = state["headers"].get(key, b"") + data[start:end]

    def on_header_end() -> None:
        state["header"] = b""
        if len(state["headers"]) > MAX_PART_HEADERS:
            raise bad_form(f"a part is limited to {MAX_PART_HEADERS} headers")

    def on_headers_finished() -> None:
        _, disp = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["name"] = disp.get(b"name", b"").decode("utf-8", "replace")
        filename = disp.get(b"filename")
        state["file"] = filename is not None and state["name"] in FILE_FIELDS and got.path is None
        if state["file"]:
            got.filename = filename.decode("utf-8", "replace") if filename else "sample"

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal size
        if state["file"]:
            size += end - start
            if size > limit:
                raise too_large()
            out.write(data[start:end])
        elif len(state["value"]) < 4096:
            state["value"] += data[start:end]

    def on_part_end() -> None:
        if state["file"]:
            got.path = dest
        elif state["name"]:
            got.fields[state["name"]] = state["value"].decode("utf-8", "replace").strip()
        state.update(header=b"", headers={}, name="", file=False, value=b"")

    callbacks: Any = {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    }  # fmt: skip
    parser = MultipartParser(
        boundary, callbacks, max_header_count=MAX_PART_HEADERS, max_header_size=MAX_HEADER_LINE
    )
    try:  # parsing (and writing the file) runs in a worker thread, never on the event loop
        async for chunk in request.stream():
            await run_in_threadpool(parser.write, chunk)
        await run_in_threadpool(parser.finalize)
    except Problem:
        raise
    except Exception as exc:
        if "Maximum header" in str(exc):
            raise bad_form(
                f"a part may have {MAX_PART_HEADERS} headers of at most {MAX_HEADER_LINE // 1024} KiB each"
            ) from exc
        raise field_error(
            400, "bad-multipart", "body", f"the multipart form could not be read: {exc}"
        ) from exc
    finally:
        out.close()
    return got


# --- voice ----------------------------------------------------------------------------------------


@router.post("/voice/clone", status_code=202, response_model=CloneOut)
async def clone_voice(
    request: Request, response: Response, principal: Voicer, ctx: Ctx, tenant: Tenant, s: DB,
    consent: Annotated[bool | None, Query(description="The speaker's consent (or send it as a form field)")] = None,
    filename: Annotated[str, Query(max_length=255)] = "sample",
    idempotency_key: IdempotencyKey = None,
) -> CloneOut:  # fmt: skip
    """Upload 1–3 minutes of your own speech (wav, mp3, m4a, ogg or webm; multipart field `audio`
    or the raw body) with `consent=true`. Answers 202 and the clone job's Location as soon as the
    file is stored (a file that is not audio is refused with 415 at once). The job then checks the
    recording (length of speech, clipping, noise, a single speaker), builds the voice and checks
    its quality, reporting each stage over `GET /v1/jobs/{id}/events`; a refused recording fails
    the job with the reason in plain words (also on `GET /v1/voice`)."""
    replay = service.replayed_clone(s, principal, idempotency_key)
    if replay is not None:
        response.headers["Location"] = f"/v1/jobs/{replay.job_id}"
        return clone_out(replay)
    with service.workdir(ctx.settings) as tmp:
        got = await receive(request, tmp / "upload", ctx.settings.voice_max_upload_mb * 1024 * 1024)
        given = consent if consent is not None else got.fields.get("consent", "").lower() in YES
        if not given:
            raise field_error(
                422, "voice-consent-required", "consent",
                "Confirm that the recording is your own voice (or that you have the speaker's permission) "
                "and that you agree to it being cloned: send consent=true.",
            )  # fmt: skip
        if got.path is None:
            raise field_error(
                422, "voice-no-audio", "audio", "attach the recording as the `audio` form field"
            )
        name = safe_filename(got.filename if got.filename != "sample" else filename, "sample")
        sample = service.sniff_sample(got.path, name)  # the container only: the job checks the rest
        row = service.start_clone(
            s, ctx, principal, tenant_id=tenant.id, sample=sample, consent_ip=client_ip(request),
            idempotency_key=idempotency_key,
        )  # fmt: skip
    response.headers["Location"] = f"/v1/jobs/{row.job_id}"
    return clone_out(row)


@router.get("/voice", response_model=VoiceOut)
def get_voice(principal: Reader, ctx: Ctx, s: DB) -> VoiceOut:
    """Your voice: status (none, processing, ready, failed), its id, and the quality numbers."""
    return voice_out(ctx, s, principal)


@router.get("/voice/clones", response_model=list[CloneOut])
def list_clones(principal: Reader, s: DB) -> list[CloneOut]:
    """Every cloning attempt of yours, newest first (with consent records and errors)."""
    return [clone_out(c) for c in service.clones_of(s, principal.user_id)]


@router.delete("/voice", status_code=204)
def delete_voice(principal: Voicer, ctx: Ctx, tenant: Tenant, s: DB) -> Response:
    """Delete your voice at the engine, purge samples and profiles, and reset the profile to none."""
    service.delete_voice(s, ctx, principal, tenant_id=tenant.id)
    return Response(status_code=204)


# --- narration ------------------------------------------------------------------------------------


@router.post("/tts", status_code=201, response_model=NarrationOut)
async def text_to_speech(
    body: TtsIn, response: Response, principal: Voicer, ctx: Ctx, tenant: Tenant, s: DB,
    idempotency_key: IdempotencyKey = None,
) -> NarrationOut:  # fmt: skip
    """Speak `text` in `voice` ("me", "default" or one of your voice ids) into a WAV or MP3 file.
    Short text answers 201 with the file; long text answers 202 and a job (Location) whose result
    names the narration. Each narration is transcribed; one over the WER threshold is made again
    once, and its score is kept."""
    settings = ctx.settings
    text = service.validate_text(settings, body.text)
    target = service.resolve_voice(s, settings, principal, body.voice)
    if len(text) > settings.voice_tts_sync_chars:
        row = service.new_narration(s, principal, target, text=text, fmt=body.format)
        job = ctx.jobs.enqueue_in(
            s, kind=service.TTS_JOB, payload={"narration_id": row.id}, owner_id=principal.user_id,
            idempotency_key=idempotency_key,
        )  # fmt: skip
        row.job_id = job.id
        response.status_code = 202
        response.headers["Location"] = f"/v1/jobs/{job.id}"
        return narration_out(ctx, s, row)
    # Speak first, write after: on SQLite a write would hold the database lock for the whole synthesis.
    try:
        spoken, file = await asyncio.to_thread(
            service.render_narration, settings, ctx.storage, tenant.id, target, text, body.format
        )
    except EngineError as exc:
        raise service.engine_problem(exc) from exc
    try:
        row = service.new_narration(s, principal, target, text=text, fmt=body.format)
        service.finish_narration(s, row, settings, spoken, file)
    except BaseException:
        ctx.storage.delete(file.storage_key)
        raise
    response.headers["Location"] = f"/v1/tts/{row.id}"
    return narration_out(ctx, s, row)


@router.get("/tts/{narration_id}", response_model=NarrationOut)
def get_narration(narration_id: str, principal: Reader, ctx: Ctx, s: DB) -> NarrationOut:
    """A narration's status, score and (when ready) a fresh signed download URL."""
    return narration_out(ctx, s, service.get_narration(s, principal, narration_id))
