"""What an upload really is: content sniffing by magic bytes, never the client's Content-Type."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import filetype
from starlette.requests import Request

from flowai.core.errors import field_error

ALLOWED: dict[str, dict[str, str]] = {
    "image": {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"},
    "audio": {
        "audio/x-wav": "wav",
        "audio/mpeg": "mp3",
        "audio/ogg": "ogg",
        "audio/mp4": "m4a",
        "audio/x-flac": "flac",
        "video/webm": "webm",  # MediaRecorder's audio-only WebM sniffs as video/webm
        "video/mp4": "m4a",
    },
    "video": {
        "video/mp4": "mp4",
        "video/quicktime": "mov",
        "video/webm": "webm",
        "video/x-matroska": "mkv",
    },
}
KINDS = tuple(ALLOWED)


def sniff(head: bytes) -> str | None:
    kind = filetype.guess(head)
    return kind.mime if kind else None


def allowed_mime(kind: str, mime: str | None) -> bool:
    return mime is not None and mime in ALLOWED[kind]


def describe_allowed(kind: str) -> str:
    return ", ".join(sorted(set(ALLOWED[kind].values())))


def safe_filename(name: str, default: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return base[:120] or default


async def read_limited(request: Request, limit: int, what: str) -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes (never buffered beyond)."""
    declared = request.headers.get("content-length", "")
    received = bytearray()
    if not (declared.isdigit() and int(declared) > limit):
        async for chunk in body_chunks(request):
            received += chunk
            if len(received) > limit:
                break
    if len(received) > limit or (declared.isdigit() and int(declared) > limit):
        raise field_error(413, "too-large", "body", f"{what} is limited to {limit // 2**20} MiB")
    return bytes(received)


async def body_chunks(request: Request) -> AsyncIterator[bytes]:
    """The raw request body as it arrives (empty keep-alive chunks dropped), for streamed uploads."""
    async for chunk in request.stream():
        if chunk:
            yield chunk
