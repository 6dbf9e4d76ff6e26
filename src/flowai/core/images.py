"""Image uploads checked by what they decode to, not only by their magic bytes.

A 875 KB PNG can declare 30000x30000 pixels (a decompression bomb: 3.6 GB once decoded, in the
server's thumbnailer and in every visitor's browser). Pillow reads the declared size from the
header without decoding; it is checked against the caller's bound *before* any pixel is decoded,
and only then is the first frame decoded, which proves the data is an image at all.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from flowai.core.storage import Storage

MIME = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "ICO": "image/x-icon",
}


class ImageRejected(ValueError):
    """The image is not usable; `too_large` tells a size refusal from an unreadable file."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: PNG, JPEG, WEBP, GIF, ICO
    mime: str
    width: int
    height: int


# Uploaded images anywhere (files, editor assets) are bounded like the editor's canvas: 8K.
MAX_WIDTH, MAX_HEIGHT = 7680, 4320
PICTURES = ("PNG", "JPEG", "WEBP", "GIF")


def check_image(
    source: Path | BinaryIO,
    *,
    max_width: int = MAX_WIDTH,
    max_height: int = MAX_HEIGHT,
    what: str = "image",
    formats: Iterable[str] = PICTURES,
) -> ImageInfo:
    """Read the declared size, refuse it above `max_width`x`max_height`, then decode the first frame.

    Raises ImageRejected with a message a person can act on (no server paths in it)."""
    allowed = list(formats)

    def bounded(width: int, height: int) -> None:
        if width > max_width or height > max_height:
            raise ImageRejected(
                f"the {what} is {width}x{height} pixels; at most {max_width}x{max_height} is allowed",
                too_large=True,
            )
        if width < 1 or height < 1:
            raise ImageRejected(f"the {what} has no pixels")

    try:
        # Image.open reads the header only (Pillow itself refuses above ~179 megapixels).
        with Image.open(source, formats=allowed) as img:
            fmt = str(img.format)
            sizes = img.info.get("sizes") if fmt == "ICO" else None
            for w, h in sizes or [img.size]:  # every picture an ICO holds
                bounded(w, h)
            img.load()  # decode the first frame: truncated or corrupt data fails here
            width, height = img.size
            bounded(width, height)  # an ICO's embedded PNG may differ from its directory entry
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected(
            f"the {what} declares too many pixels; at most {max_width}x{max_height} is allowed",
            too_large=True,
        ) from exc
    except UnidentifiedImageError as exc:
        names = ", ".join("WebP" if f == "WEBP" else f for f in allowed)
        raise ImageRejected(f"the {what} is not a readable image ({names})") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(f"the {what}'s data is truncated or corrupt") from exc
    return ImageInfo(format=fmt, mime=MIME[fmt], width=width, height=height)


def check_stored_image(storage: Storage, key: str, **limits: object) -> ImageInfo:
    """`check_image` on a stored object (read whole from S3: uploads of images are small)."""
    path = storage.local_path(key)
    if path is not None:
        return check_image(path, **limits)  # type: ignore[arg-type]
    with storage.open(key) as f:
        return check_image(io.BytesIO(f.read()), **limits)  # type: ignore[arg-type]
