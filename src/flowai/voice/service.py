"""Voice domain logic: clone a creator's voice, judge it, narrate in it, and forget it.

No HTTP here: functions take a tenant-bound session (or the app context for background work), the
caller and plain values, and raise `Problem` for what the client must fix.

The profile's two columns (``voice_clone_id``, ``voice_clone_status``) are always *derived* from
the clone rows by `sync_profile`: the id of the one ``ready`` clone, and a status that says
whether an attempt is running (processing), a voice exists (ready), the last attempt failed
(failed) or there is nothing (none). A new clone replaces the old voice only once it is ready; a
failed attempt leaves a previous voice in place.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flowai.core.auth import Principal
from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.errors import Problem, field_error, not_found
from flowai.core.ids import new_id
from flowai.core.jobs import TERMINAL, JobCancelled, JobTimeLimit, PermanentJobError, replayed
from flowai.core.models import Job, StoredFile, User, UserProfile
from flowai.core.storage import LocalStorage, S3Storage
from flowai.settings import Settings
from flowai.voice.audio import Audio, AudioFormatError, decode, ffmpeg_exe, sniff_format, to_wav_bytes
from flowai.voice.checks import CheckedUpload, UploadRejected, UploadReport, check_upload, inspect_upload
from flowai.voice.engines.base import EngineError, VoiceEngine, VoiceNotFound
from flowai.voice.models import VoiceClone, VoiceNarration

log = logging.getLogger("flowai.voice")
Storage = LocalStorage | S3Storage
CLONE_JOB = "voice.clone"
TTS_JOB = "voice.tts"

CONSENT_STATEMENT = (
    "I confirm that this recording is my own voice (or that the person speaking has given me "
    "permission), and I agree that FlowAI may create a synthetic copy of it for my narrations."
)
CLI_CONSENT_STATEMENT = "Consent recorded by the operator of the flowai command line for {email}."

#: The clone job's stages, in order, with the progress (percent) each starts at. The job's
#: `stage` is one of these while it runs (then succeeded/failed/cancelled).
STAGE_CHECK, STAGE_BUILD, STAGE_QUALITY, STAGE_SAVE = (
    "checking the recording", "building your voice", "checking quality", "saving",
)  # fmt: skip
CLONE_STAGES = {STAGE_CHECK: 2, STAGE_BUILD: 25, STAGE_QUALITY: 75, STAGE_SAVE: 95}

#: Public-domain Harvard sentences a new voice is judged on (in no upload, corpus or test text).
QUALITY_SENTENCES = (
    "The sky that morning was clear and bright blue.",
    "Smoky fires lack flame and heat.",
    "A gold ring will please most any girl.",
)


# --- engines ---------------------------------------------------------------------------------------


class StorageProfileStore:
    """Local-engine voice profiles as JSON objects in the tenant's storage."""

    def __init__(self, storage: Storage, tenant_id: str) -> None:
        self.storage = storage
        self.prefix = f"t/{tenant_id}/voice/profiles/"

    def key(self, voice_id: str) -> str:
        if not voice_id.replace("_", "").isalnum():
            raise VoiceNotFound(f"voice id {voice_id!r} is not valid")
        return f"{self.prefix}{voice_id}.json"

    def get(self, voice_id: str) -> dict[str, Any] | None:
        key = self.key(voice_id)
        if not self.storage.exists(key):
            return None
        with self.storage.open(key) as fh:
            loaded: dict[str, Any] = json.loads(fh.read())
        return loaded

    def put(self, voice_id: str, profile: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="flowai-voice-") as tmp:
            path = Path(tmp) / "profile.json"
            path.write_text(json.dumps(profile))
            self.storage.save_file(self.key(voice_id), path)

    def delete(self, voice_id: str) -> None:
        self.storage.delete(self.key(voice_id))


_ELEVENLABS: dict[tuple[Any, ...], Any] = {}
_ELEVENLABS_LOCK = threading.Lock()


def engine_for(settings: Settings, storage: Storage, tenant_id: str, name: str | None = None) -> VoiceEngine:
    """The engine called `name` (default: FLOWAI_VOICE_ENGINE) for one tenant.

    ElevenLabs clients are shared per process so the concurrency limit holds across requests.
    """
    name = name or settings.voice_engine
    if name == "local":
        from flowai.voice.engines.local import LocalEngine

        return LocalEngine(store=StorageProfileStore(storage, tenant_id))
    if name == "elevenlabs":
        from flowai.voice.engines.elevenlabs import ElevenLabsEngine

        if settings.elevenlabs_api_key is None:
            raise Problem(
                503,
                "voice-engine-unconfigured",
                "The ElevenLabs engine is selected but FLOWAI_ELEVENLABS_API_KEY is not set.",
            )
        key = (
            settings.elevenlabs_api_key.get_secret_value(),
            settings.elevenlabs_base_url,
            settings.elevenlabs_model_id,
            settings.elevenlabs_output_format,
            settings.elevenlabs_max_concurrency,
        )
        with _ELEVENLABS_LOCK:
            engine = _ELEVENLABS.get(key)
            if engine is None:
                engine = _ELEVENLABS[key] = ElevenLabsEngine(
                    key[0],
                    base_url=key[1],
                    model_id=key[2],
                    output_format=key[3],
                    max_concurrency=key[4],
                )
        result: VoiceEngine = engine
        return result
    raise Problem(422, "voice-engine-unknown", f"Unknown voice engine {name!r}: use local or elevenlabs.")


# --- profile ---------------------------------------------------------------------------------------


def get_profile(s: Session, user_id: str) -> UserProfile:
    profile = s.get(UserProfile, user_id)
    if profile is None:
        raise not_found("User")
    return profile


def clones_of(s: Session, user_id: str) -> list[VoiceClone]:
    """The user's clones, newest first."""
    stmt = select(VoiceClone).where(VoiceClone.user_id == user_id).order_by(VoiceClone.created_at.desc())
    return list(s.execute(stmt.order_by(VoiceClone.id.desc())).scalars())


def active_clone(s: Session, user_id: str) -> VoiceClone | None:
    return next((c for c in clones_of(s, user_id) if c.status == "ready"), None)


def sync_profile(s: Session, user_id: str) -> UserProfile:
    """Set the profile's two columns from the clone rows (see the module docstring)."""
    profile = get_profile(s, user_id)
    clones = clones_of(s, user_id)
    ready = next((c for c in clones if c.status == "ready"), None)
    if any(c.status == "processing" for c in clones):
        status = "processing"
    elif ready is not None:
        status = "ready"
    elif clones and clones[0].status == "failed":
        status = "failed"
    else:
        status = "none"
    profile.voice_clone_id = ready.engine_voice_id if ready else None
    profile.voice_clone_status = status
    s.flush()
    return profile


# --- cloning ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedSample:
    """A stored upload: its container (sniffed from the bytes) and, when the checks already ran
    (the CLI runs them first), their report; None leaves them to the clone job."""

    path: Path
    filename: str
    format: str
    report: UploadReport | None = None


def sniff_sample(path: Path, filename: str) -> CheckedSample:
    """What the upload request itself checks: that the bytes are audio in an accepted container
    (microseconds). Everything slower (length, clipping, noise, speakers) is the clone job's first
    stage, so the upload answers at once."""
    try:
        with path.open("rb") as fh:
            fmt = sniff_format(fh.read(4096))
    except AudioFormatError as exc:
        raise rejection(UploadRejected("not_audio", str(exc))) from exc
    return CheckedSample(path, filename, fmt)


def check_sample(path: Path, filename: str) -> CheckedSample:
    """Run every upload check now (CPU work: the CLI's path); a rejection is a 4xx Problem."""
    sniffed = sniff_sample(path, filename)
    try:
        report, _audio = check_upload(path)
    except UploadRejected as exc:
        raise rejection(exc) from exc
    return CheckedSample(path, filename, sniffed.format, report)


def rejection(exc: UploadRejected) -> Problem:
    """The checker's human message as a 4xx whose type names the problem."""
    status = 415 if exc.code == "not_audio" else 422
    problem = Problem(
        status,
        f"voice-{exc.code.replace('_', '-')}",
        exc.detail,
        errors=[{"field": exc.field, "message": exc.detail}],
        title="The recording cannot be cloned",
    )
    return problem


def start_clone(
    s: Session,
    ctx: AppContext,
    principal: Principal,
    *,
    tenant_id: str,
    sample: CheckedSample,
    consent_ip: str | None,
    consent_statement: str = CONSENT_STATEMENT,
    engine: str | None = None,
    idempotency_key: str | None = None,
) -> VoiceClone:
    """Store a sample, record the clone and the consent, and queue the clone job (which checks
    the sample first unless `sample.report` says that was done)."""
    user_id = principal.user_id
    if any(c.status == "processing" for c in clones_of(s, user_id)):
        raise Problem(
            409,
            "voice-clone-in-progress",
            "Your voice is already being cloned; wait for that to finish (or delete it) first.",
        )
    engine_name = engine or ctx.settings.voice_engine
    engine_for(ctx.settings, ctx.storage, tenant_id, engine_name)  # fail now when unconfigured
    clone_id = new_id()
    key = f"t/{tenant_id}/voice/samples/{user_id}/{clone_id}/sample.{sample.format}"
    stored = ctx.storage.save_file(key, sample.path)
    try:
        clone = VoiceClone(
            id=clone_id,
            user_id=user_id,
            engine=engine_name,
            status="processing",
            sample_key=key,
            sample_filename=sample.filename,
            sample_format=sample.format,
            sample_size=stored.size,
            sample_sha256=stored.sha256,
            report=sample.report.to_dict() if sample.report else {},
            metrics={},
            consent_statement=consent_statement,
            consent_at=utcnow(),
            consent_ip=consent_ip,
        )
        s.add(clone)
        s.flush()
        job = ctx.jobs.enqueue_in(  # applies the plan's cap on concurrent clones/renders
            s,
            kind=CLONE_JOB,
            payload={"clone_id": clone_id},
            owner_id=user_id,
            idempotency_key=idempotency_key,
        )
        clone.job_id = job.id
        sync_profile(s, user_id)
    except BaseException:
        ctx.storage.delete(key)
        raise
    return clone


def replayed_clone(s: Session, principal: Principal, idempotency_key: str | None) -> VoiceClone | None:
    """The clone an earlier request with this Idempotency-Key started, if any."""
    job = replayed(s, principal.user_id, idempotency_key)
    if job is None:
        return None
    return s.execute(select(VoiceClone).where(VoiceClone.job_id == job.id)).scalar_one_or_none()


_BASE_EMBEDDINGS: dict[str, Any] = {}


def assess(
    engine: VoiceEngine, voice_id: str, reference: Any, profile: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Speak the quality sentences in the new voice and in the default; measure both against
    `reference` (the sample's d-vector). Recognition and embedding run side by side."""
    from concurrent.futures import ThreadPoolExecutor

    from flowai.voice.engines.local import LocalEngine
    from flowai.voice.scoring import cosine, speaker_encoder, transcriber, word_error_rate

    text = " ".join(QUALITY_SENTENCES)
    encoder = speaker_encoder()
    local = engine if isinstance(engine, LocalEngine) else None
    started = time.monotonic()
    if local:  # the base voice's reading of the fixed sentences is analysed once per process
        cloned = local.say_fixed(text, profile)
    else:
        cloned = engine.synthesize(text=text, voice_id=voice_id, profile=profile)
    synth_s = time.monotonic() - started
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice-asr") as pool:
        heard_f = pool.submit(lambda: transcriber().transcribe(cloned))
        base_vector = _BASE_EMBEDDINGS.get(engine.name) if local else None
        if base_vector is None:
            base = local.say_fixed(text, None) if local else engine.synthesize(text=text, voice_id=None)
            cloned_vector, base_vector = encoder.embed_many([cloned, base])
            if local:
                _BASE_EMBEDDINGS[engine.name] = base_vector
        else:
            cloned_vector = encoder.embed(cloned)
        heard = heard_f.result()
    return {
        "similarity": round(cosine(cloned_vector, reference), 4),
        "base_similarity": round(cosine(base_vector, reference), 4),
        "wer": round(word_error_rate(text, heard), 4),
        "sentences": list(QUALITY_SENTENCES),
        "transcript": heard,
        "synth_rtf": round(synth_s / max(cloned.seconds, 1e-6), 4),
    }


def warm_up(engine: VoiceEngine) -> threading.Thread:
    """Load what the build and quality stages need while the sample is checked (a thread: the
    models run in native code that releases the GIL). Failures are left to the stage that needs
    the part, which raises them properly."""
    from flowai.voice.engines.local import LocalEngine
    from flowai.voice.engines.local import warm_up as warm_local
    from flowai.voice.scoring import transcriber

    def work() -> None:
        try:
            if isinstance(engine, LocalEngine):
                warm_local([" ".join(QUALITY_SENTENCES)])
            transcriber()
        except Exception:
            log.warning("voice warm-up failed", exc_info=True)

    thread = threading.Thread(target=work, name="voice-warm-up", daemon=True)
    thread.start()
    return thread


def fetch(storage: Storage, key: str, workdir: Path) -> Path:
    """A local path of a stored object (a download into `workdir` on S3)."""
    path = storage.local_path(key)
    if path is not None:
        return path
    dest = workdir / key.rsplit("/", 1)[-1]
    with storage.open(key) as src, dest.open("wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
    return dest


class CloneGone(Exception):
    """The clone was deleted (DELETE /v1/voice) while its job ran."""


def run_clone(
    app: AppContext, *, tenant_id: str, clone_id: str, progress: Any, final_attempt: bool
) -> dict[str, Any]:
    """The clone job: check the sample, build the voice, judge it, and record ready or failed.

    Stages (see CLONE_STAGES): checking the recording → building your voice → checking quality
    → saving, each reported with its percentage. A sample the checks refuse fails the job at once
    (no retry) with the checker's plain-words reason as the job's error and the clone's."""
    from flowai.voice.engines.local import LocalEngine
    from flowai.voice.scoring import speaker_encoder

    with app.db.session(tenant_id=tenant_id) as s:
        clone = s.get(VoiceClone, clone_id)
        user = s.get(User, clone.user_id) if clone else None
        name = user.profile.display_name if user else "FlowAI creator"
    if clone is None or clone.status != "processing" or clone.sample_key is None:
        return {"skipped": "the clone was deleted"}
    created_id: str | None = None
    engine: VoiceEngine | None = None
    metrics: dict[str, Any] = {}
    began = time.monotonic()

    def timed(key: str, since: float) -> float:
        now = time.monotonic()
        metrics[key] = round(now - since, 2)
        return now

    try:
        engine = engine_for(app.settings, app.storage, tenant_id, clone.engine)
        with tempfile.TemporaryDirectory(prefix="flowai-clone-") as tmp:
            progress(CLONE_STAGES[STAGE_CHECK], STAGE_CHECK)
            path = fetch(app.storage, clone.sample_key, Path(tmp))
            warming = warm_up(engine)
            started = time.monotonic()
            if clone.report:  # checked before the job (the CLI): only the reference is missing
                audio = decode(path, 16_000)
                reference = speaker_encoder().embed(audio)
            else:
                first, last = CLONE_STAGES[STAGE_CHECK], CLONE_STAGES[STAGE_BUILD] - 5
                checked = _check_in_job(
                    app,
                    tenant_id,
                    clone_id,
                    path,
                    lambda done: progress(first + (last - first) * done, STAGE_CHECK),
                )
                reference = checked.embedding
            started = timed("check_s", started)
            progress(CLONE_STAGES[STAGE_BUILD] - 5, STAGE_BUILD)
            warming.join()  # the base voice's analysis, needed from here on
            started = timed("warm_up_wait_s", started)
            build = CLONE_STAGES[STAGE_BUILD]
            span = CLONE_STAGES[STAGE_QUALITY] - build
            progress(build, STAGE_BUILD)
            kwargs: dict[str, Any] = dict(
                name=f"{name} (FlowAI {clone_id})",
                samples=[path],
                description="Cloned by FlowAI from the creator's own recording.",
                labels={"flowai_clone": clone_id},
            )
            if isinstance(engine, LocalEngine):
                created = engine.create_voice(
                    **kwargs, reference=reference,
                    progress=lambda done: progress(build + span * done, STAGE_BUILD),
                )  # fmt: skip
            else:
                created = engine.create_voice(**kwargs)
            created_id = created.voice_id
            started = timed("build_s", started)
            progress(CLONE_STAGES[STAGE_QUALITY], STAGE_QUALITY)
            quality = assess(engine, created.voice_id, reference, created.profile)
            timed("quality_check_s", started)
        progress(CLONE_STAGES[STAGE_SAVE], STAGE_SAVE)
        metrics["job_s"] = round(time.monotonic() - began, 2)
        metrics.update(created.metrics)
        if created.requires_verification:
            metrics["requires_verification"] = True
        limit = app.settings.voice_clone_max_wer
        if quality["wer"] > limit:
            error = (
                f"The cloned voice was hard to understand: {quality['wer']:.0%} of the words of the check "
                f"sentences were misheard (at most {limit:.0%} is accepted). Record again in a quiet "
                "room, reading clearly at an even pace."
            )
            _delete_engine_voice(engine, created.voice_id)
            created_id = None
            _fail(app, tenant_id, clone_id, error, "unintelligible", quality=quality, metrics=metrics)
            raise PermanentJobError(error)
        replaced = _mark_ready(app, tenant_id, clone_id, created.voice_id, quality, metrics)
    except CloneGone:
        if engine is not None and created_id is not None:
            _delete_engine_voice(engine, created_id)
        return {"skipped": "the clone was deleted"}
    except SampleRefused as exc:
        raise PermanentJobError(exc.detail) from exc
    except PermanentJobError:
        raise
    except BaseException as exc:
        if engine is not None and created_id is not None:
            _delete_engine_voice(engine, created_id)
        if not final_attempt and retryable(exc):
            raise
        code = exc.code if isinstance(exc, EngineError) else "engine_error"
        message = f"Cloning failed: {str(exc) or type(exc).__name__}"
        if isinstance(exc, JobCancelled):
            message, code = "The clone was cancelled.", "cancelled"
        _fail(app, tenant_id, clone_id, message, code)
        if isinstance(exc, Exception) and not isinstance(exc, JobCancelled | JobTimeLimit):
            raise PermanentJobError(message) from exc  # the job fails now, like the clone
        raise
    for old in replaced:
        retire(app, tenant_id, old)
    _emit(app, tenant_id, "voice.clone.ready", clone_id)
    return {"clone_id": clone_id, "voice_id": created.voice_id, "status": "ready", "quality": quality}


class SampleRefused(Exception):
    """The checks refused the sample in the job (recorded on the clone already)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _check_in_job(app: AppContext, tenant_id: str, clone_id: str, path: Path, progress: Any) -> CheckedUpload:
    """The checks as the job's first stage: keep their report, or fail the clone with the reason."""
    try:
        checked = inspect_upload(path, progress=progress)
    except UploadRejected as exc:
        measured = {k: round(float(v), 4) for k, v in exc.measured.items()}
        _fail(app, tenant_id, clone_id, exc.detail, exc.code, report={"rejected": exc.code, **measured})
        raise SampleRefused(exc.detail) from exc
    with app.db.transaction(tenant_id=tenant_id) as s:
        s.execute(update(VoiceClone).where(VoiceClone.id == clone_id).values(report=checked.report.to_dict()))
    return checked


def retryable(exc: BaseException) -> bool:
    """Whether the job system may run the work again (and the clone stays processing meanwhile)."""
    if isinstance(exc, JobCancelled | JobTimeLimit | PermanentJobError) or not isinstance(exc, Exception):
        return False
    return exc.retryable if isinstance(exc, EngineError) else True


def _mark_ready(
    app: AppContext,
    tenant_id: str,
    clone_id: str,
    voice_id: str,
    quality: dict[str, Any],
    metrics: dict[str, Any],
) -> list[VoiceClone]:
    """Make the new voice the user's voice; returns the clones it replaced (to delete)."""
    with app.db.transaction(tenant_id=tenant_id) as s:
        clone = s.get(VoiceClone, clone_id, with_for_update=True)
        if clone is None or clone.status != "processing":
            raise CloneGone()
        replaced = [c for c in clones_of(s, clone.user_id) if c.status == "ready"]
        for old in replaced:
            old.status = "replaced"
        clone.status, clone.engine_voice_id, clone.ready_at = "ready", voice_id, utcnow()
        clone.quality, clone.metrics, clone.error, clone.error_code = quality, metrics, None, None
        if clone.engine == "local":
            clone.profile_key = StorageProfileStore(app.storage, tenant_id).key(voice_id)
        s.flush()
        sync_profile(s, clone.user_id)
        return replaced


def _fail(
    app: AppContext, tenant_id: str, clone_id: str, error: str, code: str, *,
    quality: dict[str, Any] | None = None, metrics: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
) -> bool:  # fmt: skip
    """Record a failed attempt, purge its sample, and tell the tenant's webhooks."""
    with app.db.transaction(tenant_id=tenant_id) as s:
        clone = s.get(VoiceClone, clone_id)
        if clone is None or clone.status != "processing":
            return False
        sample_key, clone.sample_key = clone.sample_key, None
        clone.status, clone.error, clone.error_code = "failed", error, code
        if quality is not None:
            clone.quality = quality
        if metrics is not None:
            clone.metrics = metrics
        if report is not None:
            clone.report = report
        sync_profile(s, clone.user_id)
    if sample_key:
        app.storage.delete(sample_key)
    _emit(app, tenant_id, "voice.clone.failed", clone_id)
    return True


def _emit(app: AppContext, tenant_id: str, event_type: str, clone_id: str) -> None:
    """Tell the tenant's webhook endpoints; a webhook problem never fails the clone."""
    try:
        from flowai.enterprise.webhooks.service import emit

        with app.db.session(tenant_id=tenant_id) as s:
            clone = s.get(VoiceClone, clone_id)
            assert clone is not None
            data: dict[str, Any] = {
                "clone_id": clone.id, "user_id": clone.user_id, "engine": clone.engine,
                "voice_id": clone.engine_voice_id, "status": clone.status, "job_id": clone.job_id,
                "quality": {k: v for k, v in (clone.quality or {}).items() if k in ("similarity", "base_similarity", "wer")},
                "error": clone.error, "error_code": clone.error_code,
            }  # fmt: skip
        emit(app.db, tenant_id, event_type, data, jobs=app.jobs)
    except Exception:
        log.exception("voice webhook failed", extra={"clone_id": clone_id})


def _delete_engine_voice(engine: VoiceEngine, voice_id: str) -> None:
    try:
        engine.delete_voice(voice_id=voice_id)
    except VoiceNotFound:
        pass
    except Exception:
        log.exception("could not delete a voice at the engine", extra={"voice_id": voice_id})


def _purge(storage: Storage, clone: VoiceClone) -> None:
    for key in (clone.sample_key, clone.profile_key):
        if key:
            storage.delete(key)


def retire(app: AppContext, tenant_id: str, clone: VoiceClone) -> None:
    """Delete a replaced voice at its engine and its sample and profile from storage."""
    if clone.engine_voice_id:
        try:
            engine = engine_for(app.settings, app.storage, tenant_id, clone.engine)
            _delete_engine_voice(engine, clone.engine_voice_id)
        except Problem:
            log.warning("engine of a replaced voice is not configured", extra={"clone_id": clone.id})
    _purge(app.storage, clone)
    with app.db.transaction(tenant_id=tenant_id) as s:
        s.execute(
            update(VoiceClone).where(VoiceClone.id == clone.id).values(sample_key=None, profile_key=None)
        )


def delete_voice(s: Session, ctx: AppContext, principal: Principal, *, tenant_id: str) -> int:
    """Delete the caller's voice everywhere: at the engine, in storage, and on the profile.

    Engine deletions come first: when the engine refuses, nothing here has changed yet.
    Returns the number of clone records purged.
    """
    user_id = principal.user_id
    clones = [c for c in clones_of(s, user_id) if c.status != "deleted"]
    for clone in clones:
        if clone.status == "ready" and clone.engine_voice_id:
            engine = engine_for(ctx.settings, ctx.storage, tenant_id, clone.engine)
            try:
                engine.delete_voice(voice_id=clone.engine_voice_id)
            except VoiceNotFound:
                pass
            except EngineError as exc:
                raise Problem(
                    502,
                    "voice-engine-error",
                    f"The voice could not be deleted at {clone.engine}: {exc}. Nothing was changed; try again.",
                ) from exc
    now = utcnow()
    for clone in clones:
        if clone.status == "processing" and clone.job_id:
            _cancel_job(s, clone.job_id, now)
        _purge(ctx.storage, clone)
        clone.status, clone.deleted_at = "deleted", now
        clone.sample_key = clone.profile_key = None
    prefix = f"t/{tenant_id}/voice/samples/{user_id}/"
    for key in list(ctx.storage.keys(prefix)):
        ctx.storage.delete(key)
    s.flush()
    sync_profile(s, user_id)
    return len(clones)


def _cancel_job(s: Session, job_id: str, now: Any) -> None:
    """Cancel in the caller's session (a second connection could wait on this one's lock)."""
    s.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="cancelled", stage="cancelled", finished_at=now, cancel_requested=True)
    )
    s.execute(update(Job).where(Job.id == job_id, Job.status.not_in(TERMINAL)).values(cancel_requested=True))


def engine_problem(exc: EngineError) -> Problem:
    """An engine failure during a request, as a problem the caller can read."""
    if isinstance(exc, VoiceNotFound):
        return Problem(404, "voice-not-found", f"The engine does not know this voice: {exc}")
    status = 429 if exc.retryable else 502
    return Problem(status, f"voice-engine-{exc.code.replace('_', '-')}", f"The voice engine failed: {exc}")


# --- narration -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Which voice to speak in: the engine, its voice id (None: its default) and the clone."""

    engine: str
    voice_id: str | None
    clone_id: str | None

    @property
    def label(self) -> str:
        return self.voice_id or "default"


def resolve_voice(s: Session, settings: Settings, principal: Principal, voice: str) -> Target:
    """ "me" → the caller's ready voice; "default" → the engine's own; else one of the caller's voices."""
    if voice == "default":
        return Target(settings.voice_engine, None, None)
    if voice == "me":
        clone = active_clone(s, principal.user_id)
        if clone is None or clone.engine_voice_id is None:
            raise field_error(
                409, "voice-not-ready", "voice",
                "You have no ready voice yet: clone it first (POST /v1/voice/clone), or use \"default\".",
            )  # fmt: skip
        return Target(clone.engine, clone.engine_voice_id, clone.id)
    clone = s.execute(
        select(VoiceClone).where(
            VoiceClone.engine_voice_id == voice,
            VoiceClone.user_id == principal.user_id,
            VoiceClone.status == "ready",
        )
    ).scalar_one_or_none()
    if clone is None:
        raise not_found("Voice")
    return Target(clone.engine, voice, clone.id)


@dataclass(frozen=True)
class Spoken:
    audio: Audio
    wer: float
    scores: list[float]
    transcript: str

    @property
    def attempts(self) -> int:
        return len(self.scores)


def speak_checked(engine: VoiceEngine, text: str, voice_id: str | None, max_wer: float) -> Spoken:
    """Synthesise, score by WER, and regenerate once when over `max_wer`; keep the better take."""
    from flowai.voice.scoring import transcriber, word_error_rate

    takes: list[tuple[float, Audio, str]] = []
    for _ in range(2):
        audio = engine.synthesize(text=text, voice_id=voice_id)
        heard = transcriber().transcribe(audio)
        try:
            wer = round(word_error_rate(text, heard), 4)
        except ValueError:  # nothing to score (digits only, say): count it as heard
            wer = 0.0
        takes.append((wer, audio, heard))
        if wer <= max_wer:
            break
    wer, audio, heard = min(takes, key=lambda t: t[0])
    return Spoken(audio, wer, [t[0] for t in takes], heard)


def encode(audio: Audio, fmt: str, workdir: Path) -> tuple[Path, str]:
    """WAV as is, or MP3 through the project's FFmpeg; returns the file and its MIME type."""
    wav = workdir / "narration.wav"
    wav.write_bytes(to_wav_bytes(audio))
    if fmt == "wav":
        return wav, "audio/x-wav"
    mp3 = workdir / "narration.mp3"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(wav),
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "128k",
            str(mp3),
        ],
        check=True,
        capture_output=True,
    )
    return mp3, "audio/mpeg"


def validate_text(settings: Settings, text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise field_error(422, "validation", "text", "there is nothing to say")
    if len(text) > settings.voice_tts_max_chars:
        raise field_error(
            422, "validation", "text",
            f"{len(text)} characters; at most {settings.voice_tts_max_chars} per narration: split the script",
        )  # fmt: skip
    return text


def new_narration(s: Session, principal: Principal, target: Target, *, text: str, fmt: str) -> VoiceNarration:
    row = VoiceNarration(
        user_id=principal.user_id, clone_id=target.clone_id, engine=target.engine, voice=target.label,
        text=text, format=fmt, status="processing", attempts=0, scores=[],
    )  # fmt: skip
    s.add(row)
    s.flush()
    return row


def render_narration(
    settings: Settings, storage: Storage, tenant_id: str, target: Target, text: str, fmt: str
) -> tuple[Spoken, StoredFile]:
    """Speak `text` (WER-checked) and store the audio as a file; the file row is not added yet."""
    engine = engine_for(settings, storage, tenant_id, target.engine)
    spoken = speak_checked(engine, text, target.voice_id, settings.voice_tts_max_wer)
    file_id = new_id()
    with tempfile.TemporaryDirectory(prefix="flowai-tts-") as tmp:
        path, mime = encode(spoken.audio, fmt, Path(tmp))
        name = f"narration-{file_id}.{fmt}"
        key = f"t/{tenant_id}/audio/{file_id}/{name}"
        stored = storage.save_file(key, path)
    row = StoredFile(
        id=file_id, kind="audio", filename=name, content_type=mime, size=stored.size,
        sha256=stored.sha256, storage_key=key,
    )  # fmt: skip
    return spoken, row


def finish_narration(
    s: Session, row: VoiceNarration, settings: Settings, spoken: Spoken, file: StoredFile
) -> None:
    file.owner_id = row.user_id
    s.add(file)
    s.flush()
    row.status, row.file_id, row.finished_at = "ready", file.id, utcnow()
    row.seconds = round(spoken.audio.seconds, 2)
    row.wer, row.scores, row.transcript = spoken.wer, spoken.scores, spoken.transcript
    row.wer_passed = spoken.wer <= settings.voice_tts_max_wer
    row.attempts = spoken.attempts
    s.flush()


def run_narration(
    app: AppContext, *, tenant_id: str, narration_id: str, progress: Any, final_attempt: bool
) -> dict[str, Any]:
    """The job for long narrations."""
    with app.db.session(tenant_id=tenant_id) as s:
        row = s.get(VoiceNarration, narration_id)
    if row is None or row.status != "processing":
        return {"skipped": "the narration is gone"}
    target = Target(row.engine, None if row.voice == "default" else row.voice, row.clone_id)
    progress(10, "speaking")
    try:
        spoken, file = render_narration(app.settings, app.storage, tenant_id, target, row.text, row.format)
    except BaseException as exc:
        if not final_attempt and retryable(exc):
            raise
        with app.db.transaction(tenant_id=tenant_id) as s:
            s.execute(
                update(VoiceNarration).where(VoiceNarration.id == narration_id)
                .values(status="failed", error=str(exc) or type(exc).__name__, finished_at=utcnow())
            )  # fmt: skip
        if isinstance(exc, Exception) and not isinstance(exc, JobCancelled | JobTimeLimit):
            raise PermanentJobError(str(exc) or type(exc).__name__) from exc
        raise
    progress(95, "saving")
    with app.db.transaction(tenant_id=tenant_id) as s:
        row = s.get(VoiceNarration, narration_id)
        if row is None:
            app.storage.delete(file.storage_key)
            return {"skipped": "the narration is gone"}
        finish_narration(s, row, app.settings, spoken, file)
    return {"narration_id": narration_id, "file_id": file.id, "wer": spoken.wer, "attempts": spoken.attempts}


def get_narration(s: Session, principal: Principal, narration_id: str) -> VoiceNarration:
    row = s.get(VoiceNarration, narration_id)
    if row is None or (row.user_id != principal.user_id and principal.role == "member"):
        raise not_found("Narration")
    return row


@contextmanager
def workdir(settings: Settings) -> Iterator[Path]:
    """A scratch folder under the data dir (same disk as local storage) removed afterwards."""
    base = settings.data_dir / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="voice-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
