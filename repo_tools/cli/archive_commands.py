"""`oa archive YEAR`, `oa archive verify/export/access/register/stats` (Art. 34-38)."""
from __future__ import annotations

import re
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from repo_tools.archive.reference import RETENTION_NAMES
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit


class ArchiveGroup(click.Group):
    """`oa archive 2013` runs archiving; `oa archive verify ...` and the others are subcommands."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and re.fullmatch(r"\d{4}", args[0]):
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("oa archive", "YEAR [--unit UNIT] | COMMAND [ARGS]...")


def _unit(ctx: Context, unit: str | None) -> str:
    if unit:
        return unit
    from repo_tools.archive.packages import unit_of_actor
    return unit_of_actor(ctx.city, ctx.user)


@click.group("archive", cls=ArchiveGroup)
def archive_group() -> None:
    """归档（第三十四至三十八条）：oa archive 年度 由档案员归档该年度的公文与信息。"""


@archive_group.command("run")
@click.argument("year", type=int)
@click.option("--unit", default=None, help="单位（默认：档案员所在单位）")
@pass_ctx
@refusals_exit
def archive_run(ctx: Context, year: int, unit: str | None) -> None:
    """归档 YEAR 年度已用印的公文和已发布的信息（档案员）。"""
    from repo_tools.archive.packages import archive
    unit_id = _unit(ctx, unit)
    package = archive(ctx.city, unit_id, year, ctx.user)
    if package is None:
        emit(ctx, {"unit": unit_id, "year": year, "items": 0, "tag": None},
             f"{unit_id} {year} 年度没有待归档的公文或信息（已全部归档，或尚无已用印、已发布的文件）。")
        return
    data = {"unit": unit_id, "year": year, "batch": package.batch, "path": package.path,
            "tag": f"refs/tags/{package.tag}", "commit": package.commit, "items": len(package.rows),
            "manifest_sha256": package.manifest_sha256,
            "rows": [{k: row[k] for k in ("档号", "文号", "题名", "日期", "保管期限", "source")} for row in package.rows]}
    if ctx.json:
        emit(ctx, data)
        return
    table = Table("序号", "档号", "文号", "题名", "日期", "保管期限", title=f"{year} 年度第 {package.batch} 批归档文件目录")
    for row in package.rows:
        table.add_row(str(row["序号"]), row["档号"], row["文号"], row["题名"], row["日期"],
                      RETENTION_NAMES.get(row["保管期限"], row["保管期限"]))
    Console().print(table)
    click.echo(f"已归档 {len(package.rows)} 件：{package.path}，签名标签 refs/tags/{package.tag}"
               f"（清单 SHA-256 {package.manifest_sha256[:16]}…）")


@archive_group.command("verify")
@click.argument("year", type=int, required=False)
@click.option("--unit", default=None, help="单位（默认：全部单位）")
@pass_ctx
@refusals_exit
def archive_verify(ctx: Context, year: int | None, unit: str | None) -> None:
    """四性检测：真实性、完整性、可用性、安全性。任一项不通过则退出状态为 1。"""
    from repo_tools.archive.checks import verify
    report = verify(ctx.city, unit, year)
    if ctx.json:
        emit(ctx, report)
    else:
        click.echo(f"四性检测：{len(report['packages'])} 个档案包"
                   f"（{'、'.join(p['unit'] + ':' + p['path'] for p in report['packages']) or '无'}）")
        for name, check in report["checks"].items():
            mark = "✓" if check["ok"] else "✗"
            click.echo(f"{mark} {name}：检查 {check['checked']} 项，问题 {len(check['problems'])} 项"
                       f"{'，提示 ' + str(len(check['warnings'])) + ' 项' if check['warnings'] else ''}")
            for problem in check["problems"]:
                click.echo(f"    ✗ {problem}")
            for warning in check["warnings"]:
                click.echo(f"    ! {warning}")
        click.echo("结论：" + ("通过" if report["ok"] else "未通过"))
    if not report["ok"]:
        sys.exit(1)


@archive_group.command("export")
@click.argument("year", type=int)
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--unit", default=None, help="单位（默认：操作人所在单位）")
@pass_ctx
@refusals_exit
def archive_export(ctx: Context, year: int, directory: str, unit: str | None) -> None:
    """导出 YEAR 年度的档案为 BagIt 包（RFC 8493），并用 bagit 校验。"""
    from repo_tools.archive.export import export
    result = export(ctx.city, _unit(ctx, unit), year, directory)
    if ctx.json:
        emit(ctx, result)
    elif result["valid"]:
        click.echo(f"已导出 BagIt 包 {result['bag']}：{result['files']} 个文件，{result['bytes']} 字节，bagit 校验通过。")
    else:
        click.echo(f"已导出 {result['bag']}，但 bagit 校验未通过（档案包有文件缺失或被改动）：", err=True)
        for error in result["errors"][:20]:
            click.echo(f"    ✗ {error}", err=True)
    if not result["valid"]:
        sys.exit(1)


@archive_group.command("access")
@click.argument("item")
@click.option("--reason", required=True, help="调阅事由")
@pass_ctx
@refusals_exit
def archive_access(ctx: Context, item: str, reason: str) -> None:
    """调阅登记：记录谁在何时因何调阅了哪一件档案（签名提交并记入事件日志）。"""
    from repo_tools.archive.access import access
    record = access(ctx.city, ctx.user, item, reason)
    emit(ctx, record, f"已登记调阅：{record['档号']}《{record['题名']}》，调阅人 {record['姓名']}，事由：{record['事由']}"
                      f"\n  登记提交 {record['commit'][:10]}")


@archive_group.command("register")
@click.option("--unit", default=None, help="单位（默认：全部单位）")
@pass_ctx
@refusals_exit
def archive_register(ctx: Context, unit: str | None) -> None:
    """列出调阅登记。"""
    from repo_tools.archive.access import register
    entries = register(ctx.city, unit)
    if ctx.json:
        emit(ctx, entries)
        return
    table = Table("时间（可信）", "单位", "档号", "题名", "调阅人", "事由", "签名", title="电子档案调阅登记")
    for e in entries:
        table.add_row(str(e["trusted_time"] or ""), e["unit"], str(e["item"]), str(e["title"] or ""),
                      f"{e['name']}（{e['reader']}）", str(e["reason"]), "✓" if e["signature_valid"] else "✗")
    Console().print(table)


@archive_group.command("stats")
@click.argument("year", type=int)
@click.option("--svg", "svg_out", type=click.Path(dir_okay=False), default=None, help="同时写出 SVG 统计图")
@pass_ctx
@refusals_exit
def archive_stats(ctx: Context, year: int, svg_out: str | None) -> None:
    """年度统计（第三十八条）：按单位、文种、保管期限统计件数、大小和调阅次数。"""
    from repo_tools.archive.stats import stats
    from repo_tools.archive.stats_svg import render
    data = stats(ctx.city, year)
    if svg_out:
        with open(svg_out, "w", encoding="utf-8") as handle:
            handle.write(render(data))
    if ctx.json:
        emit(ctx, data)
        return
    _print_stats(data)


def _print_stats(data: dict[str, Any]) -> None:
    console = Console(width=max(Console().width, 140))
    names = data["retention_names"]
    table = Table("单位", "全宗号", "件数", "文件", "字节", "永久", "定期30年", "定期10年", "调阅",
                  title=f"{data['year']} 年度电子档案统计")
    for u in data["units"]:
        r = u["by_retention"]
        table.add_row(u["name"], u["fonds"], str(u["items"]), str(u["files"]), str(u["bytes"]),
                      str(r.get("Y", 0)), str(r.get("D30", 0)), str(r.get("D10", 0)), str(u["accesses"]))
    r = data["by_retention"]
    table.add_row("合计", "", str(data["items"]), str(data["files"]), str(data["bytes"]),
                  str(r.get("Y", 0)), str(r.get("D30", 0)), str(r.get("D10", 0)), str(data["accesses"]))
    console.print(table)
    types = "、".join(f"{t} {n} 件" for t, n in data["by_type"].items()) or "无"
    console.print(f"按文种：{types}")
    console.print(f"按保管期限：{'、'.join(f'{names[c]} {n} 件' for c, n in r.items()) or '无'}")
    console.print(f"本年度内调阅登记：{data['accesses_during_year']} 次")


COMMANDS = [archive_group]
