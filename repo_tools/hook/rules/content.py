"""Rules on each file a push adds (Art. 32-33, 40): images at most 500 KB and decodable,
no decompression bombs, no active SVG; other files at most 20 MB; no executables, no
macro-enabled office files, no EICAR test signature.

Files are recognized by their content, never by their name: a PNG named `.txt` is an image.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.screening.objects import display

MAX_IMAGE_BYTES = 512_000          # Art. 33: 500 KB
MAX_FILE_BYTES = 20 * 1024 * 1024  # Art. 32: 20 MB
MAX_IMAGE_PIXELS = 40_000_000      # beyond this an image is treated as a decompression bomb

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

EXECUTABLE_MAGIC: list[tuple[bytes, str]] = [
    (b"\x7fELF", "ELF"), (b"MZ", "Windows PE"), (b"\xfe\xed\xfa\xce", "Mach-O"),
    (b"\xfe\xed\xfa\xcf", "Mach-O"), (b"\xce\xfa\xed\xfe", "Mach-O"), (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", say("hook.rules_content.module.1")), (b"#!", say("hook.rules_content.module.2")),
]
MACRO_EXTENSIONS = (".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam", ".sldm")
MAX_FRAME_PIXELS = 200_000_000     # all frames of an animation together


def image_format(data: bytes) -> str | None:
    """The image format by content (`screening.images`), or None when the bytes are no image."""
    from repo_tools.screening.images import image_format as by_content
    return by_content(data)


def check_image(path: str, data: bytes, fmt: str) -> Iterator[Refusal]:
    from repo_tools.screening.images import UNDECODED
    if len(data) > MAX_IMAGE_BYTES:
        yield refusal("image-too-large", path, path=path, size=len(data))
    if fmt == "SVG":
        yield from check_svg(path, data)
        return
    if fmt in UNDECODED:  # recognized and bounded by size; no decoder for it here
        return
    from PIL import Image  # only a push that brings an image pays Pillow's import
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                pixels = img.size[0] * img.size[1]
                frames = getattr(img, "n_frames", 1) or 1
                if pixels > MAX_IMAGE_PIXELS or pixels * frames > MAX_FRAME_PIXELS:
                    yield refusal("image-bomb", path, path=path, pixels=pixels * frames)
                    return
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        yield refusal("image-bomb", path, path=path, pixels=str(exc).split(" ")[2] if str(exc) else "?")
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "does not decode"
        yield refusal("image-broken", path, path=path, detail=f"{fmt}：{exc}")


def check_svg(path: str, data: bytes) -> Iterator[Refusal]:
    """An SVG may carry no script, no event handler and no external reference."""
    from repo_tools.screening.svg import svg_problems
    found, broken = svg_problems(data)
    if found:
        yield refusal("svg-active", path, path=path, detail="、".join(sorted(found)))
    elif broken:
        yield refusal("image-broken", path, path=path, detail=broken)


def check_disguise(path: str, data: bytes) -> Iterator[Refusal]:
    """A file named as an image must be one: a browser given `x.png` that holds HTML or SVG
    may render it as a page."""
    from repo_tools.screening.images import IMAGE_EXTENSIONS, looks_active
    if not path.lower().endswith(IMAGE_EXTENSIONS):
        return
    active = looks_active(data)
    if active:
        yield refusal("active-content", path, path=path, detail=say("hook.rules_content.check_disguise.1", active=active))
    else:
        yield refusal("image-broken", path, path=path, detail=say("hook.rules_content.check_disguise.2"))


def check_dangerous(path: str, data: bytes) -> Iterator[Refusal]:
    """Executables, macro-enabled office files and the EICAR test signature (Art. 40)."""
    if EICAR in data:
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
        yield refusal("macro-office", path, path=path, detail=say("hook.rules_content.check_dangerous.1",
                                                                  lower_rsplit=lower.rsplit('.', 1)[-1]))
        return
    from repo_tools.hook.rules.containers import check_container
    yield from check_container(path, data)


def _is_pe(data: bytes) -> bool:
    if len(data) < 0x40:
        return False
    offset = int.from_bytes(data[0x3C:0x40], "little")
    return data[offset:offset + 4] == b"PE\x00\x00"


def check_file(path: str, data: bytes) -> list[Refusal]:
    """Every content rule on one file: the same function serves the hook, `oa doc check`
    and the client's pre-commit hook, so they all say the same thing."""
    from repo_tools.hook.rules.classification import check_classification
    found: list[Refusal] = list(check_classification(path, data))
    fmt = image_format(data)
    if fmt:
        found += check_image(path, data, fmt)
    else:
        if len(data) > MAX_FILE_BYTES:
            found.append(refusal("file-too-large", path, path=path, size=len(data)))
        found += check_disguise(path, data)
    found += check_dangerous(path, data)
    return found


def files_allowed(push: Push) -> Iterator[Refusal]:
    """Every file the push brings: each path a new commit adds or changes, and every new blob
    the push makes reachable in any other way (trees and blobs that only a tag points at)."""
    from repo_tools.hook.rules.classification import check_name
    pairs: list[tuple[str, str]] = []
    for changed in push.changed_files:
        if changed.blob is not None:
            pairs.append((changed.path, changed.blob))
        elif changed.status.endswith("L"):
            yield from check_name(changed.path)
    covered = {blob for _, blob in pairs}
    pairs += [(path, blob) for blob, path in push.new_objects.blobs.items() if blob not in covered]
    for at in push.new_objects.entries:  # every name in a new tree, whatever it points at
        yield from check_name(display(at.entry.name), where=at.path)
    seen: set[tuple[str, str]] = set()
    for path, blob in pairs:
        if (path, blob) in seen:
            continue
        seen.add((path, blob))
        yield from check_file(path, push.blob(blob))
