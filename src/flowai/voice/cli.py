"""``flowai voice …`` commands that need no database: speak, score, check and profile audio.

The DB-backed ``clone`` command (which records the clone for a user) is added by the service
layer; these commands work on files so they can be used (and tested) on their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from flowai.voice.audio import AudioFormatError, decode, write_wav

voice_app = typer.Typer(help="Voice cloning and narration tools (no database needed).")


def register(app: typer.Typer) -> None:
    """Mount the ``voice`` sub-app on the main ``flowai`` CLI."""
    app.add_typer(voice_app, name="voice")


def _load_profile(spec: str) -> dict[str, Any] | None:
    if spec == "default":
        return None
    path = Path(spec)
    if not path.is_file():
        raise typer.BadParameter(f"{spec!r} is neither 'default' nor a profile JSON file")
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"{spec} is not valid JSON: {exc}") from exc
    return loaded


@voice_app.command()
def say(
    text: Annotated[str, typer.Option(help="What to say.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="WAV file to write.")],
    voice: Annotated[str, typer.Option(help="A local voice profile (JSON) or 'default'.")] = "default",
) -> None:
    """Speak TEXT with the local engine, in a cloned voice or the default one."""
    from flowai.voice.engines.base import EngineError
    from flowai.voice.engines.local import LocalEngine

    profile = _load_profile(voice)
    try:
        audio = LocalEngine().synthesize(text=text, voice_id=None, profile=profile)
    except EngineError as exc:
        raise typer.BadParameter(str(exc), param_hint="--voice") from exc
    write_wav(output, audio)
    typer.echo(json.dumps({"output": str(output), "seconds": round(audio.seconds, 2)}))


@voice_app.command()
def score(
    candidate: Annotated[Path, typer.Argument(help="The audio to judge.")],
    reference: Annotated[Path, typer.Option(help="Audio of the wanted speaker.")],
    text: Annotated[str | None, typer.Option(help="What CANDIDATE says; adds word error rate.")] = None,
) -> None:
    """Print speaker similarity (and, with --text, WER and the transcript) as JSON."""
    from flowai.voice.scoring import speaker_encoder, transcriber, word_error_rate

    try:
        ref, cand = decode(reference), decode(candidate)
    except AudioFormatError as exc:
        raise typer.BadParameter(str(exc)) from exc
    result: dict[str, Any] = {"similarity": round(speaker_encoder().similarity(ref, cand), 4)}
    if text is not None:
        heard = transcriber().transcribe(cand)
        result["wer"] = round(word_error_rate(text, heard), 4)
        result["transcript"] = heard
    typer.echo(json.dumps(result))


@voice_app.command()
def check(audio: Annotated[Path, typer.Argument(help="A cloning sample to validate.")]) -> None:
    """Validate a cloning sample; JSON report, or the rejection with exit code 2."""
    from flowai.voice.checks import UploadRejected, check_upload

    try:
        report, _ = check_upload(audio)
    except UploadRejected as exc:
        typer.echo(json.dumps({"ok": False, "code": exc.code, "detail": exc.detail}))
        raise typer.Exit(2) from exc
    typer.echo(json.dumps({"ok": True, **report.to_dict()}))


@voice_app.command()
def profile(
    audio: Annotated[Path, typer.Argument(help="A cloning sample (60–180 s of speech).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Profile JSON to write.")],
    skip_checks: Annotated[bool, typer.Option(help="Do not validate the sample first.")] = False,
) -> None:
    """Make a local voice profile from a sample (what ``say --voice`` reads)."""
    from flowai.voice.checks import UploadRejected, check_upload
    from flowai.voice.engines.local import LocalEngine, base_voice

    if not skip_checks:
        try:
            check_upload(audio)
        except UploadRejected as exc:
            typer.echo(json.dumps({"ok": False, "code": exc.code, "detail": exc.detail}))
            raise typer.Exit(2) from exc
    sample = decode(audio, base_voice().sample_rate)
    made = LocalEngine().make_profile(sample)
    output.write_text(json.dumps(made, indent=1))
    typer.echo(json.dumps({"output": str(output), "formant_warp": made["formant_warp"]}))


@voice_app.command("clone")
def clone(
    audio: Annotated[Path, typer.Argument(help="The creator's recording (60–180 s of speech).")],
    user: Annotated[str, typer.Option(help="Email of the user whose voice this is.")],
    tenant: Annotated[str, typer.Option(help="Tenant slug.")] = "flowai",
    engine: Annotated[
        str | None, typer.Option(help="local or elevenlabs (default: FLOWAI_VOICE_ENGINE).")
    ] = None,
) -> None:
    """Clone a user's voice from AUDIO and print the voice id (JSON) once it is ready.

    The operator running this command vouches for the speaker's consent; it is recorded as such.
    """
    import time

    from sqlalchemy import select

    from flowai.core import auth
    from flowai.core.context import AppContext
    from flowai.core.errors import Problem
    from flowai.core.models import Tenant, User
    from flowai.settings import get_settings
    from flowai.voice import service
    from flowai.voice.models import VoiceClone

    if engine not in (None, "local", "elevenlabs"):
        raise typer.BadParameter("use local or elevenlabs", param_hint="--engine")
    if not audio.is_file():
        raise typer.BadParameter(f"{audio} does not exist", param_hint="AUDIO")
    ctx = AppContext.build(get_settings(), run_jobs_in_process=False)
    try:
        with ctx.db.session(system=True) as s:
            tenant_id = s.execute(select(Tenant.id).where(Tenant.slug == tenant)).scalar_one_or_none()
        if tenant_id is None:
            raise typer.BadParameter(f"no tenant {tenant!r}", param_hint="--tenant")
        try:
            sample = service.check_sample(audio, audio.name)
        except Problem as exc:
            typer.echo(
                json.dumps({"ok": False, "code": exc.type.removeprefix("voice-"), "detail": exc.detail})
            )
            raise typer.Exit(2) from exc
        try:
            with ctx.db.transaction(tenant_id=tenant_id) as s:
                owner = s.execute(
                    select(User).where(User.email == auth.normalise_email(user))
                ).scalar_one_or_none()
                if owner is None:
                    raise typer.BadParameter(f"no user {user!r} in tenant {tenant!r}", param_hint="--user")
                row = service.start_clone(
                    s, ctx, auth.principal_for(owner, "cli"), tenant_id=tenant_id, sample=sample,
                    consent_ip=None, engine=engine,
                    consent_statement=service.CLI_CONSENT_STATEMENT.format(email=owner.email),
                )  # fmt: skip
                clone_id, job_id = row.id, row.job_id
        except Problem as exc:
            typer.echo(json.dumps({"ok": False, "code": exc.type, "detail": exc.detail}))
            raise typer.Exit(1) from exc
        assert job_id is not None
        while True:  # run it here; a broker's worker that claimed it first finishes it instead
            ctx.executor.run(job_id)  # (a retry is claimed again once its backoff has passed)
            with ctx.db.session(tenant_id=tenant_id) as s:
                done = s.get(VoiceClone, clone_id)
                assert done is not None
                if done.status != "processing":
                    break
            time.sleep(1.0)
        result: dict[str, Any] = {
            "ok": done.status == "ready", "voice_id": done.engine_voice_id, "status": done.status,
            "clone_id": done.id, "engine": done.engine, "quality": done.quality, "error": done.error,
        }  # fmt: skip
        typer.echo(json.dumps(result))
        if done.status != "ready":
            raise typer.Exit(1)
    finally:
        ctx.db.dispose()
