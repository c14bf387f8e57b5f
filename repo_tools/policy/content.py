"""Rules on each file a push adds (Art. 32-33, 40): images at most 500 KB and decodable,
no decompression bombs, no active SVG; other files at most 20 MB; no executables, no
macro-enabled office files, no EICAR test signature.

Files are recognized by their content, never by their name: a PNG named `.txt` is an image.
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from typing import Iterator

from PIL import Image

from ..push import Push
from .base import Refusal, refusal

MAX_IMAGE_BYTES = 512_000          # Art. 33: 500 KB
MAX_FILE_BYTES = 20 * 1024 * 1024  # Art. 32: 20 MB
MAX_IMAGE_PIXELS = 40_000_000      # beyond this an image is treated as a decompression bomb

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

# Magic numbers of the image formats the rule names. Written out because the rule must tell
# "an image that does not decode" from "not an image", which Pillow's opener cannot.
IMAGE_MAGIC: list[tuple[bytes, str]] = [
    (b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
]
EXECUTABLE_MAGIC: list[tuple[bytes, str]] = [
    (b"\x7fELF", "ELF"), (b"MZ", "Windows PE"), (b"\xfe\xed\xfa\xce", "Mach-O"),
    (b"\xfe\xed\xfa\xcf", "Mach-O"), (b"\xce\xfa\xed\xfe", "Mach-O"), (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O 通用二进制"), (b"#!", "脚本（#!）"),
]
MACRO_EXTENSIONS = (".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam", ".sldm")
SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]", re.S | re.I)


def image_format(data: bytes) -> str | None:
    """The image format by content, or None when the bytes are no image the rule knows."""
    for magic, name in IMAGE_MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if SVG_START.match(head):
        return "SVG"
    return None


def check_image(path: str, data: bytes, fmt: str) -> Iterator[Refusal]:
    if len(data) > MAX_IMAGE_BYTES:
        yield refusal("image-too-large", path, path=path, size=len(data))
    if fmt == "SVG":
        yield from check_svg(path, data)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                pixels = img.size[0] * img.size[1]
                if pixels > MAX_IMAGE_PIXELS:
                    yield refusal("image-bomb", path, path=path, pixels=pixels)
                    return
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        yield refusal("image-bomb", path, path=path, pixels=str(exc).split(" ")[2] if str(exc) else "?")
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "does not decode"
        yield refusal("image-broken", path, path=path, detail=f"{fmt}：{exc}")


def check_svg(path: str, data: bytes) -> Iterator[Refusal]:
    """An SVG may carry no script, no event handler and no external reference."""
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException:
        yield refusal("svg-active", path, path=path, detail="实体或 DTD 声明")
        return
    except Exception as exc:  # noqa: BLE001
        yield refusal("image-broken", path, path=path, detail=f"SVG：{exc}")
        return
    found: set[str] = set()
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in ("script", "foreignobject", "iframe", "embed", "object"):
            found.add(f"<{tag}> 元素")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                found.add(f"事件处理属性 {local}")
            if local in ("href", "src") and not value.strip().startswith(("#", "data:image/")):
                found.add(f"外部引用 {value[:60]}")
            if "javascript:" in value.lower() or "url(http" in value.lower().replace(" ", ""):
                found.add("外部或脚本地址")
        if tag == "style" and element.text and ("@import" in element.text or "url(http" in element.text):
            found.add("样式中的外部引用")
    if found:
        yield refusal("svg-active", path, path=path, detail="、".join(sorted(found)))


def check_dangerous(path: str, data: bytes) -> Iterator[Refusal]:
    """Executables, macro-enabled office files and the EICAR test signature (Art. 40)."""
    if EICAR in data[:65536] or EICAR in data[-65536:]:
        yield refusal("malware", path, path=path, detail="EICAR-Test-File")
        return
    for magic, name in EXECUTABLE_MAGIC:
        if data.startswith(magic):
            if magic == b"MZ" and not _is_pe(data):
                break
            if magic == b"\xca\xfe\xba\xbe" and len(data) > 8 and int.from_bytes(data[4:8], "big") > 40:
                break  # a Java class file shares this magic; its version field is large
            yield refusal("executable", path, path=path, detail=name)
            return
    lower = path.lower()
    if lower.endswith(MACRO_EXTENSIONS):
        yield refusal("macro-office", path, path=path, detail=f"扩展名 {lower.rsplit('.', 1)[-1]}")
        return
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n.lower() for n in archive.namelist()]
        except zipfile.BadZipFile:
            return
        if any(n.endswith("vbaproject.bin") for n in names):
            yield refusal("macro-office", path, path=path, detail="OOXML 文档含 vbaProject.bin")
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T" in data or b"_VBA_PROJECT" in data:
            yield refusal("macro-office", path, path=path, detail="OLE 文档含 VBA 宏工程")


def _is_pe(data: bytes) -> bool:
    if len(data) < 0x40:
        return False
    offset = int.from_bytes(data[0x3C:0x40], "little")
    return data[offset:offset + 4] == b"PE\x00\x00"


def check_file(path: str, data: bytes) -> list[Refusal]:
    """Every content rule on one file: the same function serves the hook, `oa doc check`
    and the client's pre-commit hook, so they all say the same thing."""
    from .classification import check_classification
    found: list[Refusal] = list(check_classification(path, data))
    fmt = image_format(data)
    if fmt:
        found += check_image(path, data, fmt)
    elif len(data) > MAX_FILE_BYTES:
        found.append(refusal("file-too-large", path, path=path, size=len(data)))
    found += check_dangerous(path, data)
    return found


def files_allowed(push: Push) -> Iterator[Refusal]:
    seen: set[tuple[str, str]] = set()
    for changed in push.changed_files:
        if changed.blob is None or (changed.path, changed.blob) in seen:
            if changed.blob is None and changed.status.endswith("L"):
                from .classification import check_name
                yield from check_name(changed.path)
            continue
        seen.add((changed.path, changed.blob))
        yield from check_file(changed.path, push.blob(changed.blob))
