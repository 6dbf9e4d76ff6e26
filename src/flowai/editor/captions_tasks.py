"""The transcription job: the words of one asset's speech, stored once per model and reused."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from flowai.core.context import AppContext
from flowai.core.jobs import JobContext, PermanentJobError, job_kind
from flowai.editor import service
from flowai.editor.captions_service import get_transcript
from flowai.editor.media import MediaError
from flowai.editor.models import Asset, Transcript
from flowai.editor.tasks import RENDER_LIMIT_S
from flowai.editor.transcribe import transcribe_file


@job_kind("editor.transcribe", time_limit_s=RENDER_LIMIT_S, max_attempts=2, scope="editor:write")
def transcribe(ctx: JobContext) -> dict[str, Any]:
    """Words with start, end (seconds) and probability; a stored transcript is reused."""
    app: AppContext = ctx.services
    asset_id, model = str(ctx.payload["asset_id"]), str(ctx.payload.get("model", "tiny.en"))
    with app.db.session(tenant_id=ctx.tenant_id) as s:
        row = s.get(Asset, asset_id)
        stored = get_transcript(s, row, model) if row is not None else None
    if row is None:
        raise PermanentJobError("the asset was deleted")
    if stored is not None:
        return {"asset_id": asset_id, "transcript_id": stored.id, "model": model,
                "words": len(stored.words), "reused": True}  # fmt: skip
    ctx.progress(5, "reading")
    with tempfile.TemporaryDirectory(prefix="flowai-transcribe-") as tmp:
        src = service.fetch(app.storage, row.storage_key, Path(tmp))
        ctx.progress(10, "transcribing")
        try:
            words, duration = transcribe_file(
                src, model=model, on_progress=lambda done: ctx.progress(10 + 85 * done, "transcribing")
            )
        except MediaError as exc:
            raise PermanentJobError(str(exc)) from exc
    ctx.progress(97, "saving")
    try:
        with app.db.transaction(tenant_id=ctx.tenant_id) as s:
            t = Transcript(asset_id=asset_id, model=model, language="en", duration_ms=round(duration * 1000),
                           words=[w.as_json() for w in words])  # fmt: skip
            s.add(t)
            s.flush()
            transcript_id = t.id
    except IntegrityError:  # another job stored it meanwhile, or the asset was deleted
        with app.db.session(tenant_id=ctx.tenant_id) as s:
            row = s.get(Asset, asset_id)
            again = get_transcript(s, row, model) if row is not None else None
        if again is None:
            raise PermanentJobError("the asset was deleted") from None
        transcript_id = again.id
    return {"asset_id": asset_id, "transcript_id": transcript_id, "model": model, "words": len(words),
            "reused": False}  # fmt: skip
