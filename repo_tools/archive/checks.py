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
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.git.repo import ObjectReader, clean_env, list_tree, parse_tag, rev_parse
from repo_tools.log import eventlog
from repo_tools.verify.report import document_report

CHECKS = ("真实性", "完整性", "可用性", "安全性")
REQUIRED = ("题名", "责任者", "日期", "文种")


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
    report.count("安全性")
    for problem in log_problems:
        report.fail("安全性", f"事件日志第 {problem.line} 行：{problem.message}")
    checks = report.as_dict()
    return {"unit": unit_id, "year": year, "packages": checked, "checks": checks,
            "ok": all(c["ok"] for c in checks.values()), "checked_at": timeutil.iso(timeutil.now())}


def _check_numbering(unit: str, found: list[PackageInfo], report: Report) -> None:
    refs = [r for p in found for r in (archive_reference.parse(str(row.get("档号", ""))) for row in p.rows) if r]
    report.count("完整性")
    for missing in archive_reference.gaps(refs):
        report.fail("完整性", f"{unit}：件号不连续，缺少 {missing}")
    seen: set[str] = set()
    for ref in refs:
        if str(ref) in seen:
            report.fail("真实性", f"{unit}：档号 {ref} 重复")
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
    report.count("完整性")
    entries: dict[str, str] = {}
    if manifest is None:
        report.fail("完整性", f"{where}：缺少 SHA-256 清单 {MANIFEST}")
    else:
        entries = parse_manifest(manifest)
        for path in sorted(set(entries) - set(files)):
            report.fail("完整性", f"{where}：清单所列文件缺失：{path}")
        for path in sorted(set(files) - set(entries) - {MANIFEST}):
            report.fail("完整性", f"{where}：清单未列出的文件：{path}")
        for path in sorted(set(entries) & set(files)):
            report.count("完整性")
            if sha256(reader.blob(files[path]) or b"") != entries[path]:
                report.fail("完整性", f"{where}：文件与清单的 SHA-256 不符：{path}")
    if not package.catalogue:
        report.fail("可用性", f"{where}：归档文件目录 {CATALOGUE} 缺失或无法读取")

    # 真实性 and 安全性: the tag, and the package as it was tagged.
    _check_tag(city, unit, package, reader, provenance, manifest, files, report)

    for row in package.rows:
        _check_item(city, unit, package, row, files, reader, provenance, report)


def _check_tag(city: City, unit: str, package: PackageInfo, reader: ObjectReader, provenance: Provenance,
               manifest: bytes | None, files: dict[str, str], report: Report) -> None:
    where = f"{unit}:refs/tags/{package.tag}"
    report.count("真实性")
    oid = rev_parse(city.unit_repo(unit), f"refs/tags/{package.tag}", env=clean_env())
    got = reader.read(oid) if oid else None
    if got is None or got[1] != "tag":
        report.fail("真实性", f"{where}：归档标签缺失或不是签名的附注标签")
        return
    tag = parse_tag(got[0], got[2])
    sig = provenance.signature(tag.oid, "归档")
    person = provenance.registry.person(sig.get("签名人标识") or "")
    if not sig["有效"]:
        report.fail("真实性", f"{where}：归档标签签名无效（{sig['签名结果']}）")
    elif person is None or person.unit != unit or "archivist" not in person.roles:
        report.fail("真实性", f"{where}：归档标签签名人 {sig.get('签名人')} 不是本单位档案员")
    declared = re.search(r"^Manifest-SHA256:\s*([0-9a-f]{64})\s*$", tag.message, re.M)
    if manifest is not None and (declared is None or declared.group(1) != sha256(manifest)):
        report.fail("真实性", f"{where}：清单的 SHA-256 与归档标签所记不符")
    report.count("安全性")
    tagged = {p[len(package.path) + 1:]: b for p, b in
              list_tree(city.unit_repo(unit), tag.object, package.path, env=clean_env()).items()}
    if tagged != files:
        changed = sorted(p for p in set(tagged) | set(files) if tagged.get(p) != files.get(p))
        report.fail("安全性", f"{unit}:{package.path}：档案包自归档后被改动：{'、'.join(changed[:5])}")


def _check_item(city: City, unit: str, package: PackageInfo, row: dict[str, Any], files: dict[str, str],
                reader: ObjectReader, provenance: Provenance, report: Report) -> None:
    reference = str(row.get("档号", ""))
    where = f"{unit}:{reference or row.get('item_dir')}"
    item_dir = str(row.get("item_dir") or f"items/{reference}")
    parsed = archive_reference.parse(reference)
    report.count("真实性")
    if parsed is None:
        report.fail("真实性", f"{where}：档号格式不符合 DA/T 22")
    elif parsed.year != package.year:
        report.fail("真实性", f"{where}：档号年度与档案包年度 {package.year} 不符")

    # 可用性: metadata readable.
    report.count("可用性")
    blob = files.get(f"{item_dir}/metadata.json")
    meta: dict[str, Any] = {}
    if blob is None:
        report.fail("完整性", f"{where}：缺少元数据 metadata.json")
    else:
        try:
            meta = json.loads((reader.blob(blob) or b"").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            report.fail("可用性", f"{where}：元数据无法读取（{exc}）")

    contents = {p[len(item_dir) + len("/content/"):]: b for p, b in files.items()
                if p.startswith(f"{item_dir}/content/")}
    report.count("完整性")
    if "index.md" not in contents:
        report.fail("完整性", f"{where}：缺少正文 content/index.md")

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
        report.count("安全性")
        original = {p[len(source) + 1:]: b for p, b in list_tree(city.unit_repo(unit), MAIN, source,
                                                                   env=clean_env()).items()}
        if original and original != contents:
            report.fail("安全性", f"{where}：main 上的原件 {source} 与归档副本不一致")


def _check_metadata(where: str, reference: str, row: dict[str, Any], meta: dict[str, Any],
                    contents: dict[str, str], reader: ObjectReader, report: Report) -> None:
    report.count("完整性")
    described = meta.get("内容描述") or {}
    for name in REQUIRED:
        if not described.get(name):
            report.fail("完整性", f"{where}：缺少必备元数据“{name}”")
    if row.get("类别") == "document" and not described.get("文件编号"):
        report.fail("完整性", f"{where}：公文缺少“文件编号”")
    if not meta.get("电子属性"):
        report.fail("完整性", f"{where}：缺少“电子属性”")
    report.count("真实性")
    code = (meta.get("档号") or {}).get("档号")
    if code != reference:
        report.fail("真实性", f"{where}：元数据中的档号 {code} 与目录不符")
    if (meta.get("档号") or {}).get("保管期限代码") not in archive_reference.RETENTION_NAMES:
        report.fail("真实性", f"{where}：保管期限不在取值范围内")
    listed = set()
    for entry in meta.get("电子属性") or []:
        position = str(entry.get("存储位置", ""))
        rel = position.split("/content/", 1)[1] if "/content/" in position else ""
        listed.add(rel)
        blob = contents.get(rel)
        report.count("真实性")
        if blob is None:
            report.fail("完整性", f"{where}：元数据所列文件缺失：{rel or position}")
            continue
        data = reader.blob(blob) or b""
        if len(data) != entry.get("计算机文件大小") or sha256(data) != entry.get("SHA-256"):
            report.fail("真实性", f"{where}：文件 {rel} 的大小或 SHA-256 与元数据不符")
    for rel in sorted(set(contents) - listed):
        report.fail("完整性", f"{where}：元数据未记录的文件：{rel}")


def _check_signatures(where: str, meta: dict[str, Any], provenance: Provenance, report: Report) -> None:
    for recorded in meta.get("电子签名") or []:
        report.count("真实性")
        oid = recorded.get("对象")
        if not oid:
            continue
        now = provenance.signature(str(oid), str(recorded.get("用途", "")))
        if not now["有效"]:
            report.fail("真实性", f"{where}：{recorded.get('用途')}签名（{str(oid)[:10]}）无效：{now['签名结果']}")
        elif recorded.get("签名时间") and now.get("签名时间") != recorded.get("签名时间"):
            report.fail("真实性", f"{where}：签名 {str(oid)[:10]} 的可信时间与元数据所记不符")
    if not meta.get("电子签名"):
        report.warn("真实性", f"{where}：元数据没有记录电子签名")


def _check_document_report(city: City, unit: str, row: dict[str, Any], meta: dict[str, Any],
                           report: Report, provenance: Provenance) -> None:
    """真实性 of a sealed document as the verification module sees it today: its seal valid at its
    trusted time, its approvals, and its folder on main unchanged since sealing."""
    if row.get("类别") != "document":
        return
    found = document_report(city, unit, str(row.get("source")), verifier=provenance.verifier_for_documents(),
                            times=provenance.times)
    report.count("真实性")
    for problem in found["problems"] or ([] if found["ok"] else ["核验未通过"]):
        report.fail("真实性", f"{unit}:{row.get('档号')}：{problem}")
    recorded = (meta.get("印章") or {}).get("印章标识")
    seal = found.get("seal") or {}
    if recorded and seal.get("id") and recorded != seal["id"]:
        report.fail("真实性", f"{unit}:{row.get('档号')}：元数据记录的印章 {recorded} 与合并提交的印章 {seal['id']} 不符")


ARCHIVAL_TEXT = (".md", ".txt", ".csv", ".json", ".xml", ".yaml", ".yml", ".html")


def _check_usable(where: str, rel: str, data: bytes, report: Report) -> None:
    from repo_tools.hook.rules.content import image_format
    report.count("可用性")
    lower = rel.lower()
    fmt = image_format(data)
    if fmt and fmt != "SVG":
        try:
            from PIL import Image
            with Image.open(io.BytesIO(data)) as img:
                img.load()
        except Exception as exc:  # noqa: BLE001 - any decoder failure means "does not open"
            report.fail("可用性", f"{where}：图片无法打开（{exc}）")
        return
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            report.fail("可用性", f"{where}：PDF 文件不完整（缺少 %%EOF）")
        if b"/Encrypt" in data:
            report.fail("可用性", f"{where}：PDF 已加密，不符合长期保存要求")
        return
    if data.startswith(b"PK\x03\x04") and not lower.endswith((".docx", ".xlsx", ".pptx", ".ofd")):
        report.fail("可用性", f"{where}：压缩包不得进入档案包（须解压后逐件归档）")
        return
    if fmt == "SVG" or lower.endswith(ARCHIVAL_TEXT):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            report.fail("可用性", f"{where}：文本不是 UTF-8 编码，无法读取")
            return
        if lower.endswith("index.md"):
            try:
                frontmatter.split(text)
            except frontmatter.FrontMatterError as exc:
                report.fail("可用性", f"{where}：{exc}")
        return
    report.warn("可用性", f"{where}：非长期保存格式，建议同时归档 PDF/OFD 版本")


def _check_safe(where: str, rel: str, data: bytes, report: Report) -> None:
    from repo_tools.hook.rules.content import check_file
    report.count("安全性")
    for found in check_file(rel, data):
        report.fail("安全性", f"{where}：{found.message}")


__all__ = ["verify", "CHECKS", "package_path"]
