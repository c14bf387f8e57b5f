"""Text as a reader sees it: bytes decoded in the encodings a 公文 comes in (UTF-8, UTF-16/32
with a byte-order mark, GB18030/GBK), then normalized so that look-alikes compare equal
(NFKC folds full-width and compatibility forms; format characters such as zero-width spaces
are dropped; HTML character references are resolved, as a browser resolves them).
"""
from __future__ import annotations

import codecs
import html
import re
import unicodedata

BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
]
TAG = re.compile(r"<[^<>]{0,400}>")


def decode(data: bytes) -> str | None:
    """The text of `data`, or None when it is not text in an encoding a 公文 uses."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                return None
    head = data[:8192]
    if b"\x00" in head:
        return _utf16_without_bom(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:  # GB18030 is a superset of GBK and GB2312: one decoder covers all three
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # Random binary rarely decodes; when it does, it is mostly control characters.
    controls = sum(1 for ch in text[:4096] if ord(ch) < 0x20 and ch not in "\r\n\t\f")
    return text if controls * 20 < max(len(text[:4096]), 1) else None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a mark: its NULs (high bytes of ASCII) all fall on one parity."""
    head = data[:4096]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    if not head or min(even, odd) * 10 > max(even, odd):
        return None  # NULs on both sides: binary
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data[:len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    sample = text[:2048]
    controls = sum(1 for ch in sample if ord(ch) < 0x20 and ch not in "\r\n\t\f")
    return text if controls * 20 < max(len(sample), 1) else None


def normalize(text: str) -> str:
    """NFKC without format characters (zero-width space, joiners, marks of direction, BOM)."""
    text = html.unescape(text) if "&" in text else text
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", text)


def forms(text: str) -> list[str]:
    """The forms a marking is looked for in: normalized, and normalized without markup tags
    (`机<b>密</b>` reads 机密 on screen)."""
    base = normalize(text)
    out = [base]
    if "<" in base:
        out.append(TAG.sub("", base))
    return out
