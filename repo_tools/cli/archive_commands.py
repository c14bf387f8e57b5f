"""`oa archive YEAR`, `oa archive verify/export/access/register/stats` (Art. 34-38)."""
from __future__ import annotations

import re
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from repo_tools.archive.vocabulary import ACCESS, DATE, FONDS, ITEMS, NAME, NUMBER, READER, REASON, REFERENCE, RETENTION, RETENTION_NAMES, SEQUENCE, TITLE, UNIT
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.messages import say


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
@click.option("--unit", default=None, help=say("cli.archive_commands.archive_run.1"))
@pass_ctx
@refusals_exit
def archive_run(ctx: Context, year: int, unit: str | None) -> None:
    """归档 YEAR 年度已用印的公文和已发布的信息（档案员）。"""
    from repo_tools.archive.packages import archive
    unit_id = _unit(ctx, unit)
    package = archive(ctx.city, unit_id, year, ctx.user)
    if package is None:
        emit(ctx, {"unit": unit_id, "year": year, "items": 0, "tag": None},
             say("cli.archive_commands.archive_run.2", unit_id=unit_id, year=year))
        return
    data = {
        "unit": unit_id,
        "year": year,
        "batch": package.batch,
        "path": package.path,
        "tag": f"refs/tags/{package.tag}",
        "commit": package.commit,
        "items": len(package.rows),
        "manifest_sha256": package.manifest_sha256,
        "rows": [
            {
                k: row[k]
                for k in (
                    REFERENCE,
                    NUMBER,
                    TITLE,
                    DATE,
                    RETENTION,
                    "source",
                )
            }
            for row in package.rows
        ],
    }
    if ctx.json:
        emit(ctx, data)
        return
    table = Table(
        SEQUENCE,
        REFERENCE,
        NUMBER,
        TITLE,
        DATE,
        RETENTION,
        title=say("cli.archive_commands.archive_run.9", year=year, batch=package.batch),
    )
    for row in package.rows:
        table.add_row(str(row[SEQUENCE]), row[REFERENCE], row[NUMBER], row[TITLE], row[DATE], RETENTION_NAMES.get(row[RETENTION], row[RETENTION]))
    Console().print(table)
    click.echo(
        say(
            "cli.archive_commands.archive_run.10",
            len_rows=len(package.rows),
            path=package.path,
            tag=package.tag,
            manifest_sha256=package.manifest_sha256[:16],
        )
    )


@archive_group.command("verify")
@click.argument("year", type=int, required=False)
@click.option("--unit", default=None, help=say("cli.archive_commands.archive_verify.1"))
@pass_ctx
@refusals_exit
def archive_verify(ctx: Context, year: int | None, unit: str | None) -> None:
    """四性检测：真实性、完整性、可用性、安全性。任一项不通过则退出状态为 1。"""
    from repo_tools.archive.checks import verify

    report = verify(ctx.city, unit, year)
    if ctx.json:
        emit(ctx, report)
    else:
        click.echo(
            say(
                "cli.archive_commands.archive_verify.2",
                len_packages=len(report["packages"]),
                value="、".join(p["unit"] + ":" + p["path"] for p in report["packages"]) or say("cli.archive_commands.archive_verify.7"),
            )
        )
        for name, check in report["checks"].items():
            mark = "✓" if check["ok"] else "✗"
            click.echo(
                say(
                    "cli.archive_commands.archive_verify.3",
                    mark=mark,
                    name=name,
                    checked=check["checked"],
                    len_problems=len(check["problems"]),
                    value=say("cli.archive_commands.archive_verify.8") + str(len(check["warnings"])) + say("cli.archive_commands.archive_verify.9")
                    if check["warnings"]
                    else "",
                )
            )
            for problem in check["problems"]:
                click.echo(f"    ✗ {problem}")
            for warning in check["warnings"]:
                click.echo(f"    ! {warning}")
        click.echo(
            say("cli.archive_commands.archive_verify.4")
            + (say("cli.archive_commands.archive_verify.5") if report["ok"] else say("cli.archive_commands.archive_verify.6"))
        )
    if not report["ok"]:
        sys.exit(1)


@archive_group.command("export")
@click.argument("year", type=int)
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--unit", default=None, help=say("cli.archive_commands.archive_export.1"))
@pass_ctx
@refusals_exit
def archive_export(ctx: Context, year: int, directory: str, unit: str | None) -> None:
    """导出 YEAR 年度的档案为 BagIt 包（RFC 8493），并用 bagit 校验。"""
    from repo_tools.archive.export import export

    result = export(ctx.city, _unit(ctx, unit), year, directory)
    if ctx.json:
        emit(ctx, result)
    elif result["valid"]:
        click.echo(say("cli.archive_commands.archive_export.2", bag=result["bag"], files=result["files"], bytes=result["bytes"]))
    else:
        click.echo(say("cli.archive_commands.archive_export.3", bag=result["bag"]), err=True)
        for error in result["errors"][:20]:
            click.echo(f"    ✗ {error}", err=True)
    if not result["valid"]:
        sys.exit(1)


@archive_group.command("access")
@click.argument("item")
@click.option("--reason", required=True, help=say("cli.archive_commands.archive_access.1"))
@pass_ctx
@refusals_exit
def archive_access(ctx: Context, item: str, reason: str) -> None:
    """调阅登记：记录谁在何时因何调阅了哪一件档案（签名提交并记入事件日志）。"""
    from repo_tools.archive.access import access

    record = access(ctx.city, ctx.user, item, reason)
    emit(
        ctx,
        record,
        say(
            "cli.archive_commands.archive_access.2",
            record=record[REFERENCE],
            record2=record[TITLE],
            record3=record[NAME],
            record4=record[REASON],
            commit=record["commit"][:10],
        ),
    )


@archive_group.command("register")
@click.option("--unit", default=None, help=say("cli.archive_commands.archive_register.1"))
@pass_ctx
@refusals_exit
def archive_register(ctx: Context, unit: str | None) -> None:
    """列出调阅登记。"""
    from repo_tools.archive.access import register

    entries = register(ctx.city, unit)
    if ctx.json:
        emit(ctx, entries)
        return
    table = Table(
        say("cli.archive_commands.archive_register.2"),
        UNIT,
        REFERENCE,
        TITLE,
        READER,
        REASON,
        say("cli.archive_commands.archive_register.8"),
        title=say("cli.archive_commands.archive_register.9"),
    )
    for e in entries:
        table.add_row(
            str(e["trusted_time"] or ""),
            e["unit"],
            str(e["item"]),
            str(e["title"] or ""),
            f"{e['name']}（{e['reader']}）",
            str(e["reason"]),
            "✓" if e["signature_valid"] else "✗",
        )
    Console().print(table)


@archive_group.command("stats")
@click.argument("year", type=int)
@click.option("--svg", "svg_out", type=click.Path(dir_okay=False), default=None, help=say("cli.archive_commands.archive_stats.1"))
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


def _stats_counts(row: dict[str, Any]) -> list[str]:
    """The counted columns of one statistics row (a unit's or the total): items, files, bytes,
    items per retention period, accesses."""
    r = row["by_retention"]
    return [str(row["items"]), str(row["files"]), str(row["bytes"]),
            str(r.get("Y", 0)), str(r.get("D30", 0)), str(r.get("D10", 0)), str(row["accesses"])]


def _print_stats(data: dict[str, Any]) -> None:
    console = Console(width=max(Console().width, 140))
    names = data["retention_names"]
    table = Table(
        UNIT,
        FONDS,
        ITEMS,
        say("cli.archive_commands._print_stats.4"),
        say("cli.archive_commands._print_stats.5"),
        say("cli.archive_commands._print_stats.6"),
        say("cli.archive_commands._print_stats.7"),
        say("cli.archive_commands._print_stats.8"),
        ACCESS,
        title=say("cli.archive_commands._print_stats.10", year=data["year"]),
    )
    for u in data["units"]:
        table.add_row(u["name"], u["fonds"], *_stats_counts(u))
    table.add_row(say("cli.archive_commands._print_stats.11"), "", *_stats_counts(data))
    console.print(table)
    types = "、".join(say("cli.archive_commands._print_stats.12", t=t, n=n) for t, n in data["by_type"].items()) or say(
        "cli.archive_commands._print_stats.13"
    )
    console.print(say("cli.archive_commands._print_stats.14", types=types))
    console.print(
        say(
            "cli.archive_commands._print_stats.15",
            value="、".join((say("cli.archive_commands._print_stats.17", value=names[c], n=n) for c, n in data["by_retention"].items()))
            or say("cli.archive_commands._print_stats.13"),
        )
    )
    console.print(say("cli.archive_commands._print_stats.16", accesses_during_year=data["accesses_during_year"]))


COMMANDS = [archive_group]
