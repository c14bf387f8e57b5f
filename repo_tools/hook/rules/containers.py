"""Containers are opened (Art. 40): a zip-based file (OOXML .docx/.xlsx/.pptx, ODF .odt/.ods,
.zip, .jar, an .epub ...) recognized by content, and gzip, bzip2, xz and tar, are inspected
member by member, recursively, with limits. Inside, the same rules apply as outside: no
executables, no macros (VBA projects, macro-enabled content types, ODF Basic and script events,
ActiveX, DDE fields), no EICAR signature, no classification marking in a member's text or name.

Archive bombs (too deep, too many members, too much uncompressed data, extreme compression
ratios) and encrypted containers, which cannot be inspected, are refused; so are container
formats the server cannot open (7z, RAR, CAB, zstd).
"""
from __future__ import annotations

import bz2
import io
import lzma
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field

from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say

MAX_DEPTH = 4                        # a zip in a docx in a zip in a zip
MAX_MEMBERS = 10_000                 # members across all levels
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes inflated across all levels
MAX_RATIO = 200                      # uncompressed / compressed, for a member over 1 MB
RATIO_FLOOR = 1024 * 1024

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EXECUTABLE_EXTENSIONS = (".exe", ".dll", ".com", ".scr", ".pif", ".bat", ".cmd", ".ps1", ".psm1",
                         ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".msi", ".msp",
                         ".jar", ".lnk", ".sh", ".apk", ".app", ".cpl", ".reg", ".sys", ".elf",
                         ".so", ".dylib", ".class", ".dex", ".scf", ".url", ".appref-ms", ".iso", ".img")
UNSUPPORTED: list[tuple[bytes, str]] = [
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "RAR"), (b"MSCF\x00\x00\x00\x00", "CAB"),
    (b"\x28\xb5\x2f\xfd", "zstd"), (b"\x1f\x9d", "compress (.Z)"), (b"LZIP", "lzip"),
    (b"\x04\x22\x4d\x18", "LZ4"), (b"xar!", "xar"), (b"!<arch>\n", "ar"),
]
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_CONTENT_TYPES = re.compile(rb"macroEnabled|vbaProject|vnd\.ms-excel\.(?:intl)?macrosheet|"
                                 rb"vnd\.ms-office\.activeX|vbaData", re.I)
ODF_SCRIPT = re.compile(rb"vnd\.sun\.star\.script:|<script:event-listener|<office:script\s|"
                        rb"macro:///|vnd\.sun\.star\.basic", re.I)
DDE = re.compile(rb"<w:instrText[^>]*>\s*(?:DDE|DDEAUTO|INCLUDETEXT|INCLUDEPICTURE)\b|<w:fldSimple[^>]*"
                 rb"w:instr=\"\s*(?:DDE|DDEAUTO)\b|ddeService=", re.I)
PARAGRAPH_END = re.compile(r"</?(?:[\w.\-]+:)?(?:p|h|br|tr|li|si|title|row|tab|cr|line-break)(?:\s[^<>]*)?/?>")
TAG = re.compile(r"<[^<>]*>")


@dataclass
class Budget:
    """What a whole file may expand to, shared by every level of nesting."""
    members: int = 0
    inflated: int = 0
    found: list[Refusal] = field(default_factory=list)

    def spend(self, members: int = 0, inflated: int = 0) -> bool:
        self.members += members
        self.inflated += inflated
        return self.members <= MAX_MEMBERS and self.inflated <= MAX_UNCOMPRESSED


def container_kind(data: bytes) -> str | None:
    """The container format by content, or None."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    if data.startswith(b"BZh") and data[3:4].isdigit() and data[4:10] == b"\x31\x41\x59\x26\x53\x59":
        return "bzip2"
    if data.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    for magic, name in UNSUPPORTED:
        if data.startswith(magic):
            return name
    if data[0x8001:0x8006] == b"CD001" or data[0x8801:0x8806] == b"CD001":
        return say("hook.rules_containers.container_kind.1")
    if len(data) > 22 and b"PK\x05\x06" in data[-65558:] and _is_zip(data):
        return "zip"  # a zip appended to something else (self-extracting, polyglot)
    return None


def _is_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return False


def check_container(path: str, data: bytes) -> list[Refusal]:
    """Every refusal found inside `data` (nothing for a file that is no container)."""
    budget = Budget()
    _inspect(path, data, 0, budget)
    return budget.found


def _inspect(where: str, data: bytes, depth: int, budget: Budget) -> None:
    kind = container_kind(data)
    if kind is None:
        if data.startswith(OLE):
            _ole(where, data, budget)
        elif data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
            _pdf(where, data, budget)
        return
    if depth >= MAX_DEPTH:
        budget.found.append(refusal("archive-bomb", where, path=where, detail=say("hook.rules_containers._inspect.1",
                                                                                  max_depth=MAX_DEPTH)))
        return
    if kind == "zip":
        _zip(where, data, depth, budget)
    elif kind in ("gzip", "bzip2", "xz"):
        inner = _decompress(where, kind, data, budget)
        if inner is not None:
            _member(say("hook.rules_containers._inspect.2", where=where, kind=kind), inner, depth + 1, budget)
    elif kind == "tar":
        _tar(where, data, depth, budget)
    else:
        budget.found.append(refusal("archive-unsupported", where, path=where, detail=say("hook.rules_containers._inspect.3", kind=kind)))


def _zip(where: str, data: bytes, depth: int, budget: Budget) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        budget.found.append(refusal("archive-broken", where, path=where, detail=str(exc)[:120]))
        return
    if not budget.spend(members=len(infos)):
        budget.found.append(refusal("archive-bomb", where, path=where, detail=say("hook.rules_containers._zip.1",
                                                                                  max_members=MAX_MEMBERS)))
        return
    declared = sum(info.file_size for info in infos)
    if budget.inflated + declared > MAX_UNCOMPRESSED:
        budget.found.append(refusal("archive-bomb", where, path=where,
                                    detail=say("hook.rules_containers._zip.2",
                                               declared=declared, max_uncompressed=MAX_UNCOMPRESSED)))
        return
    names = [info.filename for info in infos]
    if any(info.flag_bits & 0x1 for info in infos):
        budget.found.append(refusal("archive-encrypted", where, path=where, detail=say("hook.rules_containers._zip.3")))
        return
    _office_markers(where, archive, names, budget)
    for info in infos:
        if info.is_dir():
            continue
        member = f"{where}▸{info.filename}"
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", info.filename):
            budget.found.append(refusal("archive-broken", member, path=member, detail=say("hook.rules_containers._zip.4")))
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            budget.found.append(refusal("archive-bomb", member, path=member,
                                        detail=say("hook.rules_containers._zip.5", max_ratio=MAX_RATIO)))
            return
        try:
            with archive.open(info) as handle:
                content = handle.read(MAX_UNCOMPRESSED - budget.inflated + 1)
        except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError,
                NotImplementedError, zlib.error, lzma.LZMAError) as exc:
            budget.found.append(refusal("archive-broken", member, path=member, detail=str(exc)[:120]))
            continue
        if not budget.spend(inflated=len(content)):
            budget.found.append(refusal("archive-bomb", member, path=member,
                                        detail=say("hook.rules_containers._zip.6", max_uncompressed=MAX_UNCOMPRESSED)))
            return
        _member(member, content, depth + 1, budget)


def _office_markers(where: str, archive: zipfile.ZipFile, names: list[str], budget: Budget) -> None:
    """Macro-enabled OOXML and ODF documents, whatever the member carrying the macro."""
    lower = [n.lower() for n in names]
    detail = None
    if any(n.endswith(("vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml")) for n in lower):
        detail = say("hook.rules_containers._office_markers.1")
    elif any(n.startswith(("basic/", "scripts/")) for n in lower):
        detail = say("hook.rules_containers._office_markers.2")
    elif any("/activex/" in f"/{n}" for n in lower):
        detail = say("hook.rules_containers._office_markers.3")
    else:
        for name in names:
            if name.lower() in ("[content_types].xml", "meta-inf/manifest.xml"):
                try:
                    with archive.open(name) as handle:
                        head = handle.read(1024 * 1024)
                except Exception:  # noqa: BLE001 - reported when the member is read again
                    continue
                if MACRO_CONTENT_TYPES.search(head) or b"application/vnd.sun.xml.basic" in head \
                        or b"text/x-basic" in head:
                    detail = say("hook.rules_containers._office_markers.4")
                    break
    if detail:
        budget.found.append(refusal("macro-office", where, path=where, detail=detail))


def _member(where: str, content: bytes, depth: int, budget: Budget) -> None:
    """One file inside a container: the rules for files, then its own members."""
    from repo_tools.hook.rules.classification import check_name, check_text
    from repo_tools.hook.rules.content import EXECUTABLE_MAGIC, _is_pe
    from repo_tools.screening.text import decode
    name = where.rsplit("▸", 1)[-1]
    budget.found.extend(check_name(name, where=where))
    if EICAR in content:
        budget.found.append(refusal("malware", where, path=where, detail="EICAR-Test-File"))
        return
    for magic, label in EXECUTABLE_MAGIC:
        if content.startswith(magic) and (magic != b"MZ" or _is_pe(content)):
            budget.found.append(refusal("executable", where, path=where, detail=label))
            return
    if name.lower().endswith(EXECUTABLE_EXTENSIONS):
        budget.found.append(refusal("executable", where, path=where, detail=say("hook.rules_containers._member.1",
                                                                                name_rsplit=name.rsplit('.', 1)[-1])))
        return
    if content.startswith(OLE):
        _ole(where, content, budget)
        return
    if container_kind(content) or b"%PDF-" in content[:1024]:
        _inspect(where, content, depth, budget)
        return
    if ODF_SCRIPT.search(content):
        budget.found.append(refusal("macro-office", where, path=where, detail=say("hook.rules_containers._member.2")))
    if DDE.search(content):
        budget.found.append(refusal("macro-office", where, path=where, detail=say("hook.rules_containers._member.3")))
    text = decode(content)
    if text is None:
        return
    if name.lower().endswith((".xml", ".rels", ".html", ".htm", ".xhtml", ".svg", ".opf", ".ncx")):
        text = TAG.sub("", PARAGRAPH_END.sub("\n", text))
    budget.found.extend(check_text(where, text))


def _ole(where: str, data: bytes, budget: Budget) -> None:
    """Compound (OLE) files: VBA projects and encrypted OOXML packages."""
    if b"_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T" in data or b"_VBA_PROJECT" in data:
        budget.found.append(refusal("macro-office", where, path=where, detail=say("hook.rules_containers._ole.1")))
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        budget.found.append(refusal("archive-encrypted", where, path=where, detail=say("hook.rules_containers._ole.2")))


# PDF actions that run code, launch programs or carry files (a PDF is a container too).
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData)(?![A-Za-z0-9])")
PDF_STREAM = re.compile(rb"stream\r?\n")


def _pdf(where: str, data: bytes, budget: Budget) -> None:
    """Active PDF content: in the file's dictionaries and inside its Flate-compressed object
    streams (inflated within the budget), where a generator may have put the catalogue."""
    found = PDF_ACTIVE.search(data)
    if found is None:
        for match in PDF_STREAM.finditer(data):
            if budget.inflated > MAX_UNCOMPRESSED:
                break
            engine = zlib.decompressobj()
            try:
                inner = engine.decompress(data[match.end():match.end() + 32 * 1024 * 1024], 8 * 1024 * 1024)
            except zlib.error:
                continue
            budget.inflated += len(inner)
            found = PDF_ACTIVE.search(inner)
            if found:
                break
    if found:
        name = found.group(0).decode("ascii", "replace")
        budget.found.append(refusal("active-content", where, path=where,
                                    detail=say("hook.rules_containers._pdf.1", name=name)))


def _decompress(where: str, kind: str, data: bytes, budget: Budget) -> bytes | None:
    """A single-stream compression, inflated no further than the budget allows."""
    limit = MAX_UNCOMPRESSED - budget.inflated
    try:
        if kind == "gzip":
            out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit + 1)
        elif kind == "bzip2":
            out = bz2.BZ2Decompressor().decompress(data, max_length=limit + 1)
        else:
            out = lzma.LZMADecompressor().decompress(data, max_length=limit + 1)
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
        budget.found.append(refusal("archive-broken", where, path=where, detail=f"{kind}：{str(exc)[:100]}"))
        return None
    if not budget.spend(members=1, inflated=len(out)) or len(out) > limit:
        budget.found.append(refusal("archive-bomb", where, path=where, detail=say("hook.rules_containers._decompress.1",
                                                                                  max_uncompressed=MAX_UNCOMPRESSED)))
        return None
    if len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * len(data):
        budget.found.append(refusal("archive-bomb", where, path=where, detail=say("hook.rules_containers._decompress.2",
                                                                                  max_ratio=MAX_RATIO)))
        return None
    return out


def _tar(where: str, data: bytes, depth: int, budget: Budget) -> None:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        members = archive.getmembers()
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        budget.found.append(refusal("archive-broken", where, path=where, detail=str(exc)[:120]))
        return
    if not budget.spend(members=len(members)):
        budget.found.append(refusal("archive-bomb", where, path=where, detail=say("hook.rules_containers._tar.1",
                                                                                  max_members=MAX_MEMBERS)))
        return
    for info in members:
        member = f"{where}▸{info.name}"
        if info.issym() or info.islnk() or info.isdev():
            budget.found.append(refusal("archive-broken", member, path=member, detail=say("hook.rules_containers._tar.2")))
            continue
        if not info.isfile():
            continue
        handle = archive.extractfile(info)
        content = handle.read(MAX_UNCOMPRESSED - budget.inflated + 1) if handle else b""
        if not budget.spend(inflated=len(content)):
            budget.found.append(refusal("archive-bomb", member, path=member, detail=say("hook.rules_containers._tar.3",
                                                                                        max_uncompressed=MAX_UNCOMPRESSED)))
            return
        _member(member, content, depth + 1, budget)

