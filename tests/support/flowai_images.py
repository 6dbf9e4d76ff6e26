"""Small real images for upload tests, and decompression bombs that only *declare* their size.

Every image upload is now decoded (header size first, then the first frame), so a test file has
to be a real image: eight magic bytes and zeros no longer pass.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image_bytes(
    width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (255, 102, 0), fmt: str = "PNG"
) -> bytes:
    """A solid-colour image in `fmt` (PNG, JPEG, WEBP, GIF, ICO)."""
    out = io.BytesIO()
    extra = {"sizes": [(width, height)]} if fmt == "ICO" else {}
    Image.new("RGB", (width, height), rgb).save(out, fmt, **extra)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 30000, height: int = 30000, rows: int = 64) -> bytes:
    """A valid PNG header declaring `width`x`height` RGB pixels followed by the first `rows` rows
    of zeros (a few KB): decoding it would need width*height*3 bytes, and a checker that decodes
    before looking at the size allocates them all."""
    comp = zlib.compressobj(9)
    row = b"\0" * (1 + width * 3)
    data = b"".join(comp.compress(row) for _ in range(rows)) + comp.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
