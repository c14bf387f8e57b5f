"""Chapter: archiving 2013 (Art. 34-38): each unit's archivist archives what is sealed and
published on `main`, the four checks pass, the year is exported as a BagIt bag, one item is
consulted and registered, the statistics are drawn, and a change to an archived file is refused.

The chapter archives only what earlier chapters put on `main`; when they have not run, it says
so and stops (it never publishes anything itself)."""
from __future__ import annotations

from repo_tools.archive import checks as archive_checks
from repo_tools.archive import export as archive_export
from repo_tools.archive.access import access, register
from repo_tools.archive.packages import Package, archive
from repo_tools.archive.reference import RETENTION_NAMES
from repo_tools.archive.stats import stats
from repo_tools.archive.stats_svg import render
from repo_tools.demo.state import DemoState
from repo_tools.git.repo import PushRefused, Scratch, clean_env, git

YEAR = 2013


def run(state: DemoState) -> None:
    state.chapter(f"归档：{YEAR} 年度公文与信息的归档、四性检测、移交包、调阅登记与统计")
    city = state.city
    registry = city.registry()
    done = []
    for unit_id in sorted(registry.units):
        archivists = registry.with_role(unit_id, "archivist")
        if not archivists:
            continue
        package = archive(city, unit_id, YEAR, archivists[0].id)
        if package is None:
            state.ok(f"{registry.units[unit_id].name}：{YEAR} 年度没有待归档的文件")
            continue
        done.append(package)
        refs = "、".join(f"{row['档号']}（{RETENTION_NAMES.get(row['保管期限'], row['保管期限'])}）"
                        for row in package.rows)
        state.ok(f"{archivists[0].name}（档案员）归档 {registry.units[unit_id].name} {YEAR} 年度 "
                 f"{len(package.rows)} 件：{refs}；签名标签 refs/tags/{package.tag}")
    if not done:
        state.fact(f"{YEAR} 年度尚无已用印的公文或已发布的信息，归档章节未生成档案包")
        return
    state.facts["archive"] = {"year": YEAR, "packages": [
        {"unit": p.unit, "tag": f"refs/tags/{p.tag}", "path": p.path, "items": [r["档号"] for r in p.rows]}
        for p in done]}

    report = archive_checks.verify(city, None, YEAR)
    summary = "，".join(f"{name}{'✓' if c['ok'] else '✗'}" for name, c in report["checks"].items())
    if not report["ok"]:
        problems = [p for c in report["checks"].values() for p in c["problems"]]
        raise RuntimeError("四性检测未通过：" + "；".join(problems[:5]))
    state.ok(f"四性检测通过：{summary}")

    first, item = _regulation(state, done)
    out = state.root / "export" / f"{first.unit}-{YEAR}"
    result = archive_export.export(city, first.unit, YEAR, out)
    if not result["valid"]:
        raise RuntimeError("导出的 BagIt 包未通过校验：" + "；".join(result["errors"][:5]))
    state.ok(f"导出 BagIt 移交包 {out}（{result['files']} 个文件），bagit 校验通过")

    reader = next((p for p in registry.members(first.unit) if "author" in p.roles and p.status == "active"), None)
    if reader is not None:
        access(city, reader.id, item["档号"], "起草修订稿时参考原文")
        count = len([e for e in register(city, first.unit) if e["item"] == item["档号"]])
        state.ok(f"{reader.name} 调阅 {item['档号']}《{item['题名']}》并登记（签名提交 + 事件日志），"
                 f"该件已登记调阅 {count} 次")
        _show_refusal(state, first.unit, reader.id, item)

    data = stats(city, YEAR)
    chart = state.root / f"archive-stats-{YEAR}.svg"
    chart.write_text(render(data), encoding="utf-8")
    kinds = "、".join(f"{k} {v} 件" for k, v in data["by_type"].items())
    terms = "、".join(f"{RETENTION_NAMES.get(k, k)} {v} 件" for k, v in data["by_retention"].items())
    state.ok(f"{YEAR} 年度统计：{data['items']} 件（{kinds}；{terms}），{data['bytes']} 字节，"
             f"调阅 {data['accesses']} 次；统计图 {chart}")
    state.fact(f"{YEAR} 年度已归档 {data['items']} 件（签名标签 "
               f"{'、'.join('refs/tags/' + p.tag for p in done)}），四性检测通过，BagIt 移交包校验通过")


def _regulation(state: DemoState, done: list[Package]) -> tuple[Package, dict]:
    """The package and row holding the sealed regulation of 2013 (the review chapter's
    `facts["sealed"]`); it is the item the chapter exports, consults and shows."""
    for sealed in state.facts.get("sealed", []):
        for package in done:
            row = next((r for r in package.rows if package.unit == sealed.get("unit")
                        and r["source"] == sealed.get("path")), None)
            if row is not None:
                if sealed.get("number") and row["文号"] != sealed["number"]:
                    raise RuntimeError(f"归档的文号 {row['文号']} 与用印的文号 {sealed['number']} 不符")
                state.ok(f"已用印的《{row['题名']}》（{row['文号']}）归档为 {row['档号']}（{RETENTION_NAMES.get(row['保管期限'], row['保管期限'])}）")
                return package, row
    raise RuntimeError("已用印的 2013 年公文没有进入归档包")


def _show_refusal(state: DemoState, unit: str, user: str, item: dict) -> None:
    """A change to an archived file on `main` is refused by the server."""
    city = state.city
    path = f"{item['source']}/index.md"
    with Scratch(city.unit_repo(unit), city.signer(user)) as scratch:
        current = git("show", f"refs/heads/main:{path}", cwd=city.unit_repo(unit), env=clean_env()).encode()
        commit = scratch.commit({path: current + "\n（擅自补充的一句话）\n".encode()}, "修改已归档的公文")
        try:
            scratch.push([f"{commit}:refs/heads/main"])
        except PushRefused as refused:
            lines = [line for line in refused.message.splitlines() if "✗" in line or "处理办法" in line]
            state.refused(f"修改已归档的 {path}", "\n".join(lines))
            return
    raise RuntimeError("修改已归档文件本应被服务器拒绝")
