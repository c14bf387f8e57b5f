"""Thumbnails for large bulletin photos, so a column page stays light (the full image is linked)."""
from __future__ import annotations

import io

from PIL import Image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
MAX_WIDTH = 800
MAX_PIXELS = 40_000_000  # the hook refuses bombs; the site refuses to decode them too


def thumbnail(data: bytes) -> bytes | None:
    """A JPEG at most MAX_WIDTH wide, or None when the image is small enough (or unreadable)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS or image.width <= MAX_WIDTH:
                return None
            image.thumbnail((MAX_WIDTH, MAX_WIDTH * 4))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82)
            return out.getvalue()
    except Exception:
        return None
