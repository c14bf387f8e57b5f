"""Images by content (Art. 33): every format a browser renders is recognized by its magic bytes
or its structure, whatever the file is called, so the 500 KB limit and the decoding check apply
to all of them. Pillow decodes what it can (AVIF included); HEIF and JPEG XL, which it cannot,
are recognized and bounded by size.

The magic numbers are written out because the rule must tell "an image that does not decode"
from "not an image", which Pillow's opener cannot.
"""
from __future__ import annotations

import re

from repo_tools.messages import say
from repo_tools.screening.text import decode

RASTER_MAGIC: list[tuple[bytes, str]] = [
    (b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"II+\x00", "TIFF"), (b"MM\x00+", "TIFF"),
    (b"\xff\x0a", "JPEG XL"), (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"qoif", "QOI"),
]
# ISO base media file brands (ftyp) of the still-image formats browsers show.
BMFF_BRANDS = {b"avif": "AVIF", b"avis": "AVIF", b"heic": "HEIF", b"heix": "HEIF", b"heim": "HEIF",
               b"heis": "HEIF", b"hevc": "HEIF", b"hevx": "HEIF", b"mif1": "HEIF", b"msf1": "HEIF",
               b"heif": "HEIF", b"avio": "AVIF"}
BMP_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}
# Formats Pillow cannot decode here: recognized and bounded, not decoded.
UNDECODED = {"HEIF", "JPEG XL"}
IMAGE_EXTENSIONS = (".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".pjpeg", ".pjp", ".gif",
                    ".webp", ".bmp", ".dib", ".ico", ".cur", ".tif", ".tiff", ".avif", ".heic",
                    ".heif", ".jxl", ".jp2", ".j2k", ".jpx", ".svg", ".svgz", ".qoi")

_PROLOG_WS = re.compile(r"\s+")
_SVG_ROOT = re.compile(r"<\s*(?:[\w.\-]+:)?svg(?=[\s/>])", re.I)


def raster_format(data: bytes) -> str | None:
    """The raster image format by content, or None."""
    for magic, name in RASTER_MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[:2] == b"BM" and len(data) >= 18 and int.from_bytes(data[14:18], "little") in BMP_HEADER_SIZES:
        return "BMP"
    if data[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and len(data) >= 22 \
            and int.from_bytes(data[4:6], "little") > 0 and data[9] == 0:
        return "ICO" if data[2] == 1 else "CUR"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        brands = [data[8:12]] + [data[i:i + 4] for i in range(16, min(size, 64), 4)]
        for brand in brands:
            if brand in BMFF_BRANDS:
                return BMFF_BRANDS[brand]
    return None


def is_svg(data: bytes) -> bool:
    """Whether the document's root element is `<svg>` (any namespace prefix), after whatever
    prolog an XML file may start with (BOM, declaration, comments, PIs, DOCTYPE with an internal
    subset), in any encoding (UTF-16/32, GBK declared, ...)."""
    if data[:2] == b"\x1f\x8b":
        return False  # svgz: a gzip container, judged as one
    text = decode(data[:262144] if len(data) > 262144 else data)
    if text is None:
        try:  # a declared single-byte or other encoding: markup is ASCII in all of them
            text = data[:262144].decode("latin-1")
        except UnicodeDecodeError:
            return False
    rest = _skip_prolog(text)
    return rest is not None and _SVG_ROOT.match(rest) is not None


def _skip_prolog(text: str) -> str | None:
    i, n = 0, len(text)
    for _ in range(10000):
        while i < n and (text[i].isspace() or text[i] == "\ufeff"):
            i += 1
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            end = end + 1 if end >= 0 else end
        elif text[i:i + 9].upper() == "<!DOCTYPE":
            end = _doctype_end(text, i)
        else:
            return text[i:]
        if end < 0:
            return None
        i = end + 2
    return None


def _doctype_end(text: str, start: int) -> int:
    """Index of the character before the DOCTYPE's closing '>' (an internal subset skipped)."""
    depth, quote = 0, ""
    for j in range(start + 9, len(text)):
        ch = text[j]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ">" and depth <= 0:
            return j - 1
    return -1


def image_format(data: bytes) -> str | None:
    """The image format by content (raster or SVG), or None."""
    return raster_format(data) or ("SVG" if is_svg(data) else None)


ACTIVE_START = re.compile(r"<\s*(?:[\w.\-]+:)?(?:html|head|body|script|iframe|object|embed|meta|"
                          r"link|style|img|a|form|svg|frameset|base|xml|math)(?=[\s/>])|<!doctype\s+html",
                          re.I)


def looks_active(data: bytes) -> str | None:
    """HTML or XML a browser would run as a page, whatever the file is called, or None."""
    text = decode(data[:65536])
    if text is None:
        return None
    if re.match(r"\s*<!doctype\s+html", text.lstrip("\ufeff"), re.I):
        return say("screening.images.looks_active.1")
    rest = _skip_prolog(text) or ""
    if ACTIVE_START.match(rest) or re.match(r"<[A-Za-z][\w.:\-]*[\s/>]", rest):
        return say("screening.images.looks_active.2")
    if re.search(r"<\s*script[\s>]", text[:4096], re.I):
        return say("screening.images.looks_active.3")
    return None
