"""Uploads (streamed, size-limited, sniffed) and downloads through signed URLs."""

from __future__ import annotations

import asyncio
import mimetypes
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from flowai.core.auth import Principal
from flowai.core.deps import DB, PUBLIC, Ctx, Reader, Tenant, require
from flowai.core.errors import Problem, field_error, not_found
from flowai.core.ids import new_id
from flowai.core.images import ImageRejected, check_stored_image
from flowai.core.models import StoredFile
from flowai.core.schemas import FileOut
from flowai.core.storage import LocalStorage, TooLarge
from flowai.core.uploads import (
    ALLOWED,
    KINDS,
    allowed_mime,
    body_chunks,
    describe_allowed,
    safe_filename,
    sniff,
)

router = APIRouter(prefix="/v1/files", tags=["files"])
UPLOAD_SCOPES = ("voice:write", "editor:write")


def file_out(ctx: Ctx, row: StoredFile) -> FileOut:
    url = ctx.storage.download_url(row.storage_key, filename=row.filename, content_type=row.content_type)
    return FileOut(
        id=row.id,
        kind=row.kind,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at,
        download_url=url,
    )


Uploader = Annotated[Principal, require(*UPLOAD_SCOPES)]


@router.post("", status_code=201, response_model=FileOut)
async def upload(
    request: Request,
    principal: Uploader,
    ctx: Ctx,
    tenant: Tenant,
    s: DB,
    kind: Annotated[str, Query(description="image, audio or video")],
    filename: Annotated[str, Query(max_length=255)] = "upload",
) -> FileOut:
    """Stream the raw request body into storage; checked by size while streaming, then by content."""
    if kind not in KINDS:
        raise field_error(422, "validation", "kind", f"must be one of {', '.join(KINDS)}")
    limit = ctx.settings.upload_limit_bytes(kind)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(kind, limit)
    file_id = new_id()
    name = safe_filename(filename, f"{kind}-{file_id}")
    key = f"t/{tenant.id}/{kind}/{file_id}/{name}"

    try:
        stored = await ctx.storage.save_stream(key, body_chunks(request), limit)
    except TooLarge as exc:
        raise _too_large(kind, limit) from exc
    mime = sniff(stored.head)
    if stored.size == 0 or not allowed_mime(kind, mime):
        ctx.storage.delete(key)
        raise field_error(
            415,
            "unsupported-media",
            "body",
            f"the file's content is {mime or 'not a recognised media format'}; "
            f"{kind} uploads accept {describe_allowed(kind)}",
        )
    assert mime is not None
    if kind == "image":
        try:  # the decoded size from the header, before any pixel is decoded (PNG bombs)
            await asyncio.to_thread(check_stored_image, ctx.storage, key)
        except ImageRejected as exc:
            ctx.storage.delete(key)
            raise field_error(
                422, "image-too-large" if exc.too_large else "unreadable-image", "body", str(exc)
            ) from exc
    try:
        row = StoredFile(
            id=file_id,
            owner_id=principal.user_id,
            kind=kind,
            filename=name if "." in name else f"{name}.{ALLOWED[kind][mime]}",
            content_type=mime,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=key,
        )
        s.add(row)
        s.flush()
    except Exception:
        ctx.storage.delete(key)
        raise
    return file_out(ctx, row)


def _too_large(kind: str, limit: int) -> Problem:
    return field_error(
        413, "too-large", "body", f"{kind} uploads are limited to {limit // (1024 * 1024)} MiB"
    )


@router.get("/raw/{key:path}", include_in_schema=False, dependencies=PUBLIC)
def raw(key: str, ctx: Ctx, exp: int, name: str, sig: str, type: str | None = None) -> FileResponse:
    """Serve a local-storage object for a valid, unexpired signed URL (the local backend's S3 GET).

    The Content-Type is the one the link was signed with (the sniffed type of the upload); a link
    without one gets a media type guessed from the name, and anything else octet-stream, so a file
    named `x.html` is never served as HTML from the app's origin."""
    storage = ctx.storage
    if not isinstance(storage, LocalStorage) or not storage.verify(key, exp, name, sig, type):
        raise Problem(403, "bad-signature", "This download link is invalid or has expired.")
    path = storage.local_path(key)
    if path is None or not path.is_file():
        raise not_found("File")
    return FileResponse(path, filename=name, media_type=type or served_type(name))


def served_type(name: str) -> str:
    """A media type for a name: images, audio, video and fonts by extension, else octet-stream."""
    guessed = mimetypes.guess_type(name)[0] or ""
    if guessed.split("/", 1)[0] in ("image", "audio", "video", "font") and guessed != "image/svg+xml":
        return guessed
    return "application/octet-stream"


@router.get("/{file_id}", response_model=FileOut)
def get_file(file_id: str, principal: Reader, ctx: Ctx, s: DB) -> FileOut:
    row = s.get(StoredFile, file_id)
    if row is None or (row.owner_id != principal.user_id and principal.role == "member"):
        raise not_found("File")
    return file_out(ctx, row)


@router.delete("/{file_id}", status_code=204)
def delete_file(file_id: str, principal: Uploader, ctx: Ctx, s: DB) -> Response:
    row = s.get(StoredFile, file_id)
    if row is None or row.owner_id != principal.user_id:
        raise not_found("File")
    s.delete(row)
    s.flush()
    ctx.storage.delete(row.storage_key)
    return Response(status_code=204)
