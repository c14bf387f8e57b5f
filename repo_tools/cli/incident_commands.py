"""`oa incident open/respond/resolve/list/notice`: faults and their clocks (Art. 44-45)."""
from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from repo_tools import incident, timeutil
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.messages import say


@click.group("incident")
def incident_group() -> None:
    """系统故障（第四十四、四十五条）：1 小时内响应，2 小时未排除改用纸质方式通知各单位。"""


@incident_group.command("open")
@click.option("--summary", required=True, help=say("cli.incident_commands.incident_open.1"))
@click.option("--since", default=None, help=say("cli.incident_commands.incident_open.2"))
@pass_ctx
@refusals_exit
def incident_open(ctx: Context, summary: str, since: str | None) -> None:
    """报告故障（各单位系统管理员或电子政务办公室）。"""
    got = incident.open_incident(ctx.city, ctx.user, summary, since)
    row = got.as_json()
    emit(ctx, row, say("cli.incident_commands.incident_open.3",
                       id=got.id, summary=got.summary, respond_by=row['respond_by'], escalate_at=row['escalate_at']))


@incident_group.command("respond")
@click.argument("ident")
@pass_ctx
@refusals_exit
def incident_respond(ctx: Context, ident: str) -> None:
    """电子政务办公室响应故障（1 小时内）。"""
    got = incident.respond(ctx.city, ctx.user, ident)
    row = got.as_json()
    emit(ctx, row, say("cli.incident_commands.incident_respond.1",
                       id=got.id, responded_at=row['responded_at']) + (say("cli.incident_commands.incident_respond.2") if row["response_overdue"] else ""))


@incident_group.command("resolve")
@click.argument("ident")
@pass_ctx
@refusals_exit
def incident_resolve(ctx: Context, ident: str) -> None:
    """登记故障已排除。"""
    got = incident.resolve(ctx.city, ctx.user, ident)
    emit(ctx, got.as_json(), say("cli.incident_commands.incident_resolve.1",
                                 id=got.id, timeutil_iso=timeutil.iso(got.resolved_at)) if got.resolved_at else "")


@incident_group.command("list")
@click.option("--json", "as_json", is_flag=True, help=say("cli.incident_commands.incident_list.1"))
@pass_ctx
@refusals_exit
def incident_list(ctx: Context, as_json: bool) -> None:
    """列出故障及其当前状态（按此刻的时钟计算）。"""
    now = timeutil.now()
    rows = [i.as_json(now) for i in incident.incidents(ctx.city)]
    if ctx.json or as_json:
        ctx.json = True
        emit(ctx, rows)
        return
    table = Table(
        say("cli.incident_commands.incident_list.2"),
        say("cli.incident_commands.incident_list.3"),
        say("cli.incident_commands.incident_list.4"),
        say("cli.incident_commands.incident_list.5"),
        say("cli.incident_commands.incident_list.6"),
        say("cli.incident_commands.incident_list.7"),
        say("cli.incident_commands.incident_list.8"),
        say("cli.incident_commands.incident_list.9"),
    )
    for r in rows:
        table.add_row(
            r["id"],
            r["summary"],
            r["since"][:16],
            r["respond_by"][:16],
            r["escalate_at"][:16],
            (r["responded_at"] or "—")[:16],
            (r["resolved_at"] or "—")[:16],
            r["status_name"],
        )
    Console().print(table)


@incident_group.command("notice")
@click.argument("ident")
@click.option("--pdf", "pdf_out", required=True, type=click.Path(dir_okay=False), help=say("cli.incident_commands.incident_notice.1"))
@pass_ctx
@refusals_exit
def incident_notice(ctx: Context, ident: str, pdf_out: str) -> None:
    """故障 2 小时未排除：印发致各单位的纸质通知（函），并附尚待签收或登记的公文打印件。"""
    got = incident.write_notice(ctx.city, ctx.user, ident, pdf_out)
    emit(ctx, got, say("cli.incident_commands.incident_notice.2", pdf=got["pdf"], len_units=len(got["units"]), waiting=got["waiting"]))


COMMANDS = [incident_group]
