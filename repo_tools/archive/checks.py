"""四性检测 (DA/T 70-2018 under GB/T 18894-2016, Art. 36): `oa archive verify [YEAR]`.

Every package on a unit's `main` is checked for
- 真实性 (authenticity): the archive tag and every recorded signature verify with the server
  keyring at their trusted time; 档号 well formed and unique; files match their metadata;
- 完整性 (integrity): the SHA-256 manifest matches the files, nothing listed is missing and
  nothing unlisted is present; required metadata present; no gaps in item numbers;
- 可用性 (usability): metadata readable; every file opens in its format; no private
  compression or encryption;
- 安全性 (security): no malicious or classified content; the package is what was tagged,
  the archived originals on `main` are unchanged, and the event log's chain holds.
"""
from __future__ import annotations

import io
import json
import re
from typing import Any

from repo_tools import timeutil
from repo_tools.archive import reference as archive_reference
from repo_tools.archive.packages import (
    CATALOGUE,
    MAIN,
    MANIFEST,
    PackageInfo,
    Provenance,
    package_path,
    packages,
    parse_manifest,
    sha256,
)
from repo_tools.archive.vocabulary import (
    AUTHENTICITY,
    CHECKS,
    CONTENT,
    ELECTRONIC,
    FILE_NUMBER,
    FILE_SIZE,
    INTEGRITY,
    KIND,
    OBJECT,
    PURPOSE,
    REFERENCE,
    REQUIRED,
    RETENTION_CODE,
    RETENTION_NAMES,
    SAFETY,
    SEAL,
    SEAL_ID,
    SIGNATURE_RESULT,
    SIGNATURES,
    SIGNED_AT,
    SIGNER,
    SIGNER_ID,
    STORED_AT,
    USABILITY,
    VALID,
)
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.git.repo import ObjectReader, clean_env, list_tree, parse_tag, rev_parse
from repo_tools.log import eventlog
from repo_tools.messages import say
from repo_tools.verify.report import document_report


class Report:
    """Problems and warnings per check."""

    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = {name: [] for name in CHECKS}
        self.warnings: dict[str, list[str]] = {name: [] for name in CHECKS}
        self.checked: dict[str, int] = {name: 0 for name in CHECKS}

    def fail(self, check: str, text: str) -> None:
        self.problems[check].append(text)

    def warn(self, check: str, text: str) -> None:
        self.warnings[check].append(text)

    def count(self, check: str, n: int = 1) -> None:
        self.checked[check] += n

    def as_dict(self) -> dict[str, Any]:
        return {name: {"ok": not self.problems[name], "problems": self.problems[name],
                       "warnings": self.warnings[name], "checked": self.checked[name]} for name in CHECKS}


def verify(city: City, unit_id: str | None = None, year: int | None = None) -> dict[str, Any]:
    """The four checks over every package of a unit (all units when None) and year (all when None)."""
    report = Report()
    registry = city.registry()
    units = [unit_id] if unit_id else sorted(u for u in registry.units if city.unit_repo(u).exists())
    checked: list[dict[str, Any]] = []
    for unit in units:
        found = packages(city, unit, year)
        if not found:
            continue
        provenance = Provenance(city, unit, registry)
        try:
            with ObjectReader(city.unit_repo(unit), env=clean_env()) as reader:
                for package in found:
                    _check_package(city, unit, package, reader, provenance, report)
                    checked.append({"unit": unit, "path": package.path, "tag": f"refs/tags/{package.tag}",
                                    "items": len(package.rows)})
                _check_numbering(unit, found, report)
        finally:
            provenance.close()
    log_problems = eventlog.verify(city.log_file)
    report.count(SAFETY)
    for problem in log_problems:
        report.fail(SAFETY, say("archive.checks.verify.2", line=problem.line, message=problem.message))
    checks = report.as_dict()
    return {"unit": unit_id, "year": year, "packages": checked, "checks": checks,
            "ok": all(c["ok"] for c in checks.values()), "checked_at": timeutil.iso(timeutil.now())}


def _check_numbering(unit: str, found: list[PackageInfo], report: Report) -> None:
    refs = [r for p in found for r in (archive_reference.parse(str(row.get(REFERENCE, ""))) for row in p.rows) if r]
    report.count(INTEGRITY)
    for missing in archive_reference.gaps(refs):
        report.fail(INTEGRITY, say("archive.checks._check_numbering.2", unit=unit, missing=missing))
    seen: set[str] = set()
    for ref in refs:
        if str(ref) in seen:
            report.fail(AUTHENTICITY, say("archive.checks._check_numbering.4", unit=unit, ref=ref))
        seen.add(str(ref))


def _check_package(city: City, unit: str, package: PackageInfo, reader: ObjectReader,
                   provenance: Provenance, report: Report) -> None:
    base = package.path
    where = f"{unit}:{base}"
    repo = city.unit_repo(unit)
    files = {p[len(base) + 1:]: b for p, b in list_tree(repo, MAIN, base, env=clean_env()).items()}
    manifest_blob = files.get(MANIFEST)
    manifest = reader.blob(manifest_blob) if manifest_blob else None

    # 完整性: the manifest against the files.
    report.count(INTEGRITY)
    entries: dict[str, str] = {}
    if manifest is None:
        report.fail(INTEGRITY, say("archive.checks._check_package.2", where=where, manifest=MANIFEST))
    else:
        entries = parse_manifest(manifest)
        for path in sorted(set(entries) - set(files)):
            report.fail(INTEGRITY, say("archive.checks._check_package.3", where=where, path=path))
        for path in sorted(set(files) - set(entries) - {MANIFEST}):
            report.fail(INTEGRITY, say("archive.checks._check_package.4", where=where, path=path))
        for path in sorted(set(entries) & set(files)):
            report.count(INTEGRITY)
            if sha256(reader.blob(files[path]) or b"") != entries[path]:
                report.fail(INTEGRITY, say("archive.checks._check_package.5", where=where, path=path))
    if not package.catalogue:
        report.fail(USABILITY, say("archive.checks._check_package.7", where=where, catalogue=CATALOGUE))

    # 真实性 and 安全性: the tag, and the package as it was tagged.
    _check_tag(city, unit, package, reader, provenance, manifest, files, report)

    for row in package.rows:
        _check_item(city, unit, package, row, files, reader, provenance, report)


def _check_tag(city: City, unit: str, package: PackageInfo, reader: ObjectReader, provenance: Provenance,
               manifest: bytes | None, files: dict[str, str], report: Report) -> None:
    where = f"{unit}:refs/tags/{package.tag}"
    report.count(AUTHENTICITY)
    oid = rev_parse(city.unit_repo(unit), f"refs/tags/{package.tag}", env=clean_env())
    got = reader.read(oid) if oid else None
    if got is None or got[1] != "tag":
        report.fail(AUTHENTICITY, say("archive.checks._check_tag.2", where=where))
        return
    tag = parse_tag(got[0], got[2])
    sig = provenance.signature(tag.oid, say("archive.checks._check_tag.3"))
    person = provenance.registry.person(sig.get(SIGNER_ID) or "")
    if not sig[VALID]:
        report.fail(AUTHENTICITY, say("archive.checks._check_tag.4", where=where, sig=sig[SIGNATURE_RESULT]))
    elif person is None or person.unit != unit or "archivist" not in person.roles:
        report.fail(AUTHENTICITY, say("archive.checks._check_tag.5", where=where, sig_get=sig.get(SIGNER)))
    declared = re.search(r"^Manifest-SHA256:\s*([0-9a-f]{64})\s*$", tag.message, re.M)
    if manifest is not None and (declared is None or declared.group(1) != sha256(manifest)):
        report.fail(AUTHENTICITY, say("archive.checks._check_tag.6", where=where))
    report.count(SAFETY)
    tagged = {p[len(package.path) + 1:]: b for p, b in
              list_tree(city.unit_repo(unit), tag.object, package.path, env=clean_env()).items()}
    if tagged != files:
        changed = sorted(p for p in set(tagged) | set(files) if tagged.get(p) != files.get(p))
        report.fail(SAFETY, say("archive.checks._check_tag.8",
                               unit=unit, path=package.path, value_join='、'.join(changed[:5])))


def _check_item(city: City, unit: str, package: PackageInfo, row: dict[str, Any], files: dict[str, str],
                reader: ObjectReader, provenance: Provenance, report: Report) -> None:
    reference = str(row.get(REFERENCE, ""))
    where = f"{unit}:{reference or row.get('item_dir')}"
    item_dir = str(row.get("item_dir") or f"items/{reference}")
    parsed = archive_reference.parse(reference)
    report.count(AUTHENTICITY)
    if parsed is None:
        report.fail(AUTHENTICITY, say("archive.checks._check_item.2", where=where))
    elif parsed.year != package.year:
        report.fail(AUTHENTICITY, say("archive.checks._check_item.3", where=where, year=package.year))

    # 可用性: metadata readable.
    report.count(USABILITY)
    blob = files.get(f"{item_dir}/metadata.json")
    meta: dict[str, Any] = {}
    if blob is None:
        report.fail(INTEGRITY, say("archive.checks._check_item.6", where=where))
    else:
        try:
            meta = json.loads((reader.blob(blob) or b"").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            report.fail(USABILITY, say("archive.checks._check_item.7", where=where, exc=exc))

    contents = {p[len(item_dir) + len("/content/"):]: b for p, b in files.items()
                if p.startswith(f"{item_dir}/content/")}
    report.count(INTEGRITY)
    if "index.md" not in contents:
        report.fail(INTEGRITY, say("archive.checks._check_item.8", where=where))

    if meta:
        _check_metadata(where, reference, row, meta, contents, reader, report)
        _check_signatures(where, meta, provenance, report)
        _check_document_report(city, unit, row, meta, report, provenance)
    for rel, blob_id in sorted(contents.items()):
        data = reader.blob(blob_id) or b""
        _check_usable(f"{where}/{rel}", rel, data, report)
        _check_safe(f"{where}/{rel}", rel, data, report)
    # 安全性: the original on main is still what was archived.
    source = str(row.get("source") or "")
    if source:
        report.count(SAFETY)
        original = {p[len(source) + 1:]: b for p, b in list_tree(city.unit_repo(unit), MAIN, source,
                                                                   env=clean_env()).items()}
        if original and original != contents:
            report.fail(SAFETY, say("archive.checks._check_item.10", where=where, source=source))


def _check_metadata(where: str, reference: str, row: dict[str, Any], meta: dict[str, Any],
                    contents: dict[str, str], reader: ObjectReader, report: Report) -> None:
    report.count(INTEGRITY)
    described = meta.get(CONTENT) or {}
    for name in REQUIRED:
        if not described.get(name):
            report.fail(INTEGRITY, say("archive.checks._check_metadata.2", where=where, name=name))
    if row.get(KIND) == "document" and not described.get(FILE_NUMBER):
        report.fail(INTEGRITY, say("archive.checks._check_metadata.3", where=where))
    if not meta.get(ELECTRONIC):
        report.fail(INTEGRITY, say("archive.checks._check_metadata.4", where=where))
    report.count(AUTHENTICITY)
    code = (meta.get(REFERENCE) or {}).get(REFERENCE)
    if code != reference:
        report.fail(AUTHENTICITY, say("archive.checks._check_metadata.6", where=where, code=code))
    if (meta.get(REFERENCE) or {}).get(RETENTION_CODE) not in RETENTION_NAMES:
        report.fail(AUTHENTICITY, say("archive.checks._check_metadata.7", where=where))
    listed = set()
    for entry in meta.get(ELECTRONIC) or []:
        position = str(entry.get(STORED_AT, ""))
        rel = position.split("/content/", 1)[1] if "/content/" in position else ""
        listed.add(rel)
        blob = contents.get(rel)
        report.count(AUTHENTICITY)
        if blob is None:
            report.fail(INTEGRITY, say("archive.checks._check_metadata.8", where=where, value=rel or position))
            continue
        data = reader.blob(blob) or b""
        if len(data) != entry.get(FILE_SIZE) or sha256(data) != entry.get("SHA-256"):
            report.fail(AUTHENTICITY, say("archive.checks._check_metadata.9", where=where, rel=rel))
    for rel in sorted(set(contents) - listed):
        report.fail(INTEGRITY, say("archive.checks._check_metadata.10", where=where, rel=rel))


def _check_signatures(where: str, meta: dict[str, Any], provenance: Provenance, report: Report) -> None:
    for recorded in meta.get(SIGNATURES) or []:
        report.count(AUTHENTICITY)
        oid = recorded.get(OBJECT)
        if not oid:
            continue
        now = provenance.signature(str(oid), str(recorded.get(PURPOSE, "")))
        if not now[VALID]:
            report.fail(AUTHENTICITY, say("archive.checks._check_signatures.2",
                                   where=where, recorded_get=recorded.get(PURPOSE), str_oid=str(oid)[:10], now=now[SIGNATURE_RESULT]))
        elif recorded.get(SIGNED_AT) and now.get(SIGNED_AT) != recorded.get(SIGNED_AT):
            report.fail(AUTHENTICITY, say("archive.checks._check_signatures.3",
                                   where=where, str_oid=str(oid)[:10]))
    if not meta.get(SIGNATURES):
        report.warn(AUTHENTICITY, say("archive.checks._check_signatures.4", where=where))


def _check_document_report(city: City, unit: str, row: dict[str, Any], meta: dict[str, Any],
                           report: Report, provenance: Provenance) -> None:
    """真实性 of a sealed document as the verification module sees it today: its seal valid at its
    trusted time, its approvals, and its folder on main unchanged since sealing."""
    if row.get(KIND) != "document":
        return
    found = document_report(city, unit, str(row.get("source")), verifier=provenance.verifier_for_documents(),
                            times=provenance.times)
    report.count(AUTHENTICITY)
    for problem in found["problems"] or ([] if found["ok"] else [say("archive.checks._check_document_report.2")]):
        report.fail(AUTHENTICITY, f"{unit}:{row.get(REFERENCE)}：{problem}")
    recorded = (meta.get(SEAL) or {}).get(SEAL_ID)
    seal = found.get("seal") or {}
    if recorded and seal.get("id") and recorded != seal["id"]:
        report.fail(AUTHENTICITY, say("archive.checks._check_document_report.3",
                               unit=unit, row_get=row.get(REFERENCE), recorded=recorded, id=seal['id']))


ARCHIVAL_TEXT = (".md", ".txt", ".csv", ".json", ".xml", ".yaml", ".yml", ".html")


def _check_usable(where: str, rel: str, data: bytes, report: Report) -> None:
    from repo_tools.hook.rules.content import image_format
    report.count(USABILITY)
    lower = rel.lower()
    fmt = image_format(data)
    if fmt and fmt != "SVG":
        try:
            from PIL import Image
            with Image.open(io.BytesIO(data)) as img:
                img.load()
        except Exception as exc:  # noqa: BLE001 - any decoder failure means "does not open"
            report.fail(USABILITY, say("archive.checks._check_usable.2", where=where, exc=exc))
        return
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            report.fail(USABILITY, say("archive.checks._check_usable.3", where=where))
        if b"/Encrypt" in data:
            report.fail(USABILITY, say("archive.checks._check_usable.4", where=where))
        return
    if data.startswith(b"PK\x03\x04") and not lower.endswith((".docx", ".xlsx", ".pptx", ".ofd")):
        report.fail(USABILITY, say("archive.checks._check_usable.5", where=where))
        return
    if fmt == "SVG" or lower.endswith(ARCHIVAL_TEXT):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            report.fail(USABILITY, say("archive.checks._check_usable.6", where=where))
            return
        if lower.endswith("index.md"):
            try:
                frontmatter.split(text)
            except frontmatter.FrontMatterError as exc:
                report.fail(USABILITY, f"{where}：{exc}")
        return
    report.warn(USABILITY, say("archive.checks._check_usable.7", where=where))


def _check_safe(where: str, rel: str, data: bytes, report: Report) -> None:
    from repo_tools.hook.rules.content import check_file
    report.count(SAFETY)
    for found in check_file(rel, data):
        report.fail(SAFETY, f"{where}：{found.message}")


__all__ = ["verify", "CHECKS", "package_path"]
