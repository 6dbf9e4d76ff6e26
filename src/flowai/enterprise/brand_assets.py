"""Brand files a tenant uploads: a logo, a favicon and a web font, each checked by content.

Files live under the tenant's storage prefix (so offboarding exports and purges them) and are
recorded in `tenants.brand` as `<name>_key` and `<name>_format`; a new upload replaces the old
file. Fonts and favicons are served by the app from the tenant's own host: a font fetched from
another origin (a presigned S3 URL) would need CORS, and both are small.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import filetype

from flowai.core.errors import field_error
from flowai.core.ids import new_id
from flowai.core.images import ImageRejected, check_stored_image
from flowai.core.storage import Storage, TooLarge
from flowai.core.uploads import safe_filename

FONT_FAMILY = "FlowAI Brand Font"  # the @font-face name theme.css gives an uploaded font
IMAGES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
FONTS = {"woff2": "font/woff2", "woff": "font/woff", "ttf": "font/ttf", "otf": "font/otf"}
PILLOW_FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP", "gif": "GIF", "ico": "ICO"}
CSS_FORMATS = {"woff2": "woff2", "woff": "woff", "ttf": "truetype", "otf": "opentype"}


@dataclass(frozen=True)
class AssetKind:
    name: str
    limit: int
    formats: dict[str, str]  # sniffed format -> Content-Type it is served with
    max_side: int | None = None  # images: the largest width and height, checked before decoding

    @property
    def limit_text(self) -> str:
        return (
            f"{self.limit // 1024 // 1024} MiB" if self.limit >= 1024 * 1024 else f"{self.limit // 1024} KiB"
        )

    def describe(self) -> str:
        return ", ".join(f.upper() for f in self.formats)


KINDS = {
    "logo": AssetKind("logo", 2 * 1024 * 1024, IMAGES, max_side=4096),
    "favicon": AssetKind("favicon", 512 * 1024, {**IMAGES, "ico": "image/x-icon"}, max_side=1024),
    "font": AssetKind("font", 2 * 1024 * 1024, FONTS),
}


def sniff_format(head: bytes) -> str | None:
    """The format by magic bytes (WOFF and WOFF2 share a MIME type in `filetype`, not an extension)."""
    kind = filetype.guess(head)
    return kind.extension if kind else None


async def save(
    storage: Storage, tenant_id: str, kind: AssetKind, chunks: AsyncIterator[bytes], filename: str | None
) -> dict[str, str | None]:
    """Store an upload and return the brand fields that point at it; bad files leave nothing."""
    key = f"t/{tenant_id}/brand/{new_id()}/{kind.name}"
    try:
        stored = await storage.save_stream(key, chunks, kind.limit)
    except TooLarge as exc:
        raise field_error(413, "too-large", "body", f"a {kind.name} is limited to {kind.limit_text}") from exc
    fmt = sniff_format(stored.head)
    if fmt not in kind.formats:
        storage.delete(key)
        raise field_error(415, "unsupported-media", "body", f"a {kind.name} must be one of {kind.describe()}")
    if kind.max_side is not None:
        try:  # the decoded size, read from the header before any pixel is decoded (PNG bombs)
            await asyncio.to_thread(
                check_stored_image, storage, key, max_width=kind.max_side, max_height=kind.max_side,
                what=kind.name, formats=[PILLOW_FORMATS[f] for f in kind.formats],
            )  # fmt: skip
        except ImageRejected as exc:
            storage.delete(key)
            raise field_error(
                422, "image-too-large" if exc.too_large else "unreadable-image", "body", str(exc)
            ) from exc
    fields: dict[str, str | None] = {f"{kind.name}_key": key, f"{kind.name}_format": fmt}
    if kind.name == "font":
        fields["font_filename"] = safe_filename(filename or "", f"brand.{fmt}")
    return fields


def cleared(kind: AssetKind) -> dict[str, str | None]:
    fields: dict[str, str | None] = {f"{kind.name}_key": None, f"{kind.name}_format": None}
    if kind.name == "font":
        fields["font_filename"] = None
    return fields


def version(key: str) -> str:
    """The upload's id, for cache-busting URLs (`t/<tenant>/brand/<id>/<name>`)."""
    return key.rsplit("/", 2)[-2]
