"""`oa review open|list|show|approve|reject|merge`: merge requests, signed verdicts and the
sealing merge (Art. 3, 17, 21, 28, 30)."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.git.repo import clean_env, git
from repo_tools.messages import Refused, say
from repo_tools.review import requests as review_mod
from repo_tools.review.vocabulary import STATES as STATES
from repo_tools.review.vocabulary import VERDICT_NAMES
from repo_tools.seal import sealing


def _clone_dir() -> Path | None:
    """The working clone the command runs in (one made by `oa clone`), if any."""
    top = git("rev-parse", "--show-toplevel", check=False, env=clean_env()).strip()
    if top and git("config", "--get", "oa.unit", cwd=top, check=False, env=clean_env()).strip():
        return Path(top)
    return None


def _unit(ctx: Context, unit: str | None) -> str:
    if unit:
        return unit
    here = _clone_dir()
    if here is not None:
        return git("config", "--get", "oa.unit", cwd=here, env=clean_env()).strip()
    person = ctx.city.registry().person(ctx.user)
    if person is None:
        raise Refused("usage", detail=say("cli.review_commands._unit.1"), remedy=say("cli.review_commands._unit.2"))
    return person.unit


unit_option = click.option("--unit", "unit_id", default=None, help=say("cli.review_commands.module.1"))


@click.group("review")
def review_group() -> None:
    """合并请求与审核：发起、查看、同意、驳回、盖章合并。"""


@review_group.command("open")
@click.option("--branch", default=None, help=say("cli.review_commands.open_cmd.1"))
@click.option("--title", default=None, help=say("cli.review_commands.open_cmd.2"))
@unit_option
@pass_ctx
@refusals_exit
def open_cmd(ctx: Context, branch: str | None, title: str | None, unit_id: str | None) -> None:
    """发起合并请求：推送 refs/heads/mr/<编号>。"""
    unit = _unit(ctx, unit_id)
    n = review_mod.open_request(ctx.city, unit, ctx.user, branch=branch, title=title, workdir=_clone_dir())
    emit(ctx, {"n": n, "unit": unit, "ref": f"refs/heads/mr/{n}"},
         say("cli.review_commands.open_cmd.3", n=n, unit=unit))


@review_group.command("list")
@unit_option
@pass_ctx
@refusals_exit
def list_cmd(ctx: Context, unit_id: str | None) -> None:
    """列出合并请求：待审核、已合并、已驳回，以及等待时间。"""
    rows = review_mod.requests(ctx.city, _unit(ctx, unit_id))
    if ctx.json:
        emit(ctx, rows)
        return
    table = Table(
        say("cli.review_commands.list_cmd.1"),
        say("cli.review_commands.list_cmd.2"),
        say("cli.review_commands.list_cmd.3"),
        say("cli.review_commands.list_cmd.4"),
        say("cli.review_commands.list_cmd.5"),
        say("cli.review_commands.list_cmd.6"),
        say("cli.review_commands.list_cmd.7"),
    )
    for r in rows:
        table.add_row(
            f"!{r['n']}",
            r["title"],
            r["author"] or "",
            STATES[r["state"]],
            f"{r['approvals']}/{r['required']}",
            r["waiting"],
            "、".join(r["numbers"]),
        )
    Console().print(table)


@review_group.command("show")
@click.argument("n", type=int)
@unit_option
@pass_ctx
@refusals_exit
def show_cmd(ctx: Context, n: int, unit_id: str | None) -> None:
    """查看合并请求：改动、各审核人的意见（针对哪个版本、是否有效）、还缺什么。"""
    data = review_mod.show(ctx.city, _unit(ctx, unit_id), n)
    if ctx.json:
        emit(ctx, data)
        return
    lines = [
        say("cli.review_commands.show_cmd.1", n=n, title=data["title"], states=STATES[data["state"]]),
        say("cli.review_commands.show_cmd.2", value=data["author"] or say("cli.review_commands.show_cmd.14"), value_join="、".join(data["committers"])),
        say("cli.review_commands.show_cmd.3", branch=data["branch"], head=data["head"][:10]),
        say("cli.review_commands.show_cmd.4") + ("、".join(data["files"]) or say("cli.review_commands.show_cmd.5")),
    ]
    for v in data["verdicts"]:
        mark = "✓" if v["valid"] and v["current"] else "✗"
        when = say("cli.review_commands.show_cmd.6") if v["current"] else say("cli.review_commands.show_cmd.7", head=v["head"][:10])
        verdict = VERDICT_NAMES.get(v["verdict"] or "", say("cli.review_commands.show_cmd.8"))
        extra = say("cli.review_commands.show_cmd.9", problem=v["problem"]) if v["problem"] else ""
        lines.append(f"  {mark} {v['name'] or v['reviewer']}（{v['reviewer']}）{verdict}，{when}{extra}：{v['opinion']}")
    for h in data.get("history", []):
        verdict = VERDICT_NAMES.get(h["verdict"] or "", say("cli.review_commands.show_cmd.8"))
        lines.append(
            say(
                "cli.review_commands.show_cmd.10",
                value=h["name"] or h["reviewer"],
                reviewer=h["reviewer"],
                verdict=verdict,
                head=h["head"][:10],
                signed_at=h["signed_at"],
                opinion=h["opinion"],
            )
        )
    lines.append(say("cli.review_commands.show_cmd.11", approvals=data["approvals"], required=data["required"]))
    for item in data["missing"]:
        lines.append(say("cli.review_commands.show_cmd.12", item=item))
    for s in data["sealed"]:
        lines.append(say("cli.review_commands.show_cmd.13", path=s["path"], number=s["number"]))
    emit(ctx, data, "\n".join(lines))


def _verdict(ctx: Context, n: int, opinion: str, unit_id: str | None, verdict: str) -> None:
    unit = _unit(ctx, unit_id)
    done = review_mod.cast(ctx.city, unit, n, ctx.user, verdict, opinion)
    tag = done.tag
    text = say("cli.review_commands._verdict.1", verdict_names=VERDICT_NAMES[verdict], n=n, user=ctx.user, tag=tag[:10])
    if done.replaced:
        text += say("cli.review_commands._verdict.2", n=n, replaced=done.replaced[:10], history_ref=done.history_ref)
    emit(
        ctx,
        {
            "n": n,
            "unit": unit,
            "verdict": verdict,
            "reviewer": ctx.user,
            "tag": tag,
            "ref": f"refs/reviews/{n}/{ctx.user}",
            "replaced": done.replaced,
            "history_ref": done.history_ref,
        },
        text,
    )


@review_group.command("approve")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help=say("cli.review_commands.approve_cmd.1"))
@unit_option
@pass_ctx
@refusals_exit
def approve_cmd(ctx: Context, n: int, opinion: str, unit_id: str | None) -> None:
    """同意：对合并请求的当前版本签名表态。"""
    _verdict(ctx, n, opinion, unit_id, "approve")


@review_group.command("reject")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help=say("cli.review_commands.reject_cmd.1"))
@unit_option
@pass_ctx
@refusals_exit
def reject_cmd(ctx: Context, n: int, opinion: str, unit_id: str | None) -> None:
    """驳回：对合并请求的当前版本签名表态。"""
    _verdict(ctx, n, opinion, unit_id, "reject")


@review_group.command("merge")
@click.argument("n", type=int)
@click.option("--code", default=None, help=say("cli.review_commands.merge_cmd.1"))
@unit_option
@pass_ctx
@refusals_exit
def merge_cmd(ctx: Context, n: int, code: str | None, unit_id: str | None) -> None:
    """合并进入 main：公文由印章保管人以单位电子印章签名并编排发文字号；信息由审核人合并。"""
    unit = _unit(ctx, unit_id)
    result = sealing.merge(ctx.city, unit, n, ctx.user, code=code)
    data = {
        "n": n,
        "unit": unit,
        "merge": result.merge,
        "seal": result.seal,
        "attempts": result.attempts,
        "sealed": [{"path": s["path"], "number": s["number"]} for s in result.sealed],
    }
    text = say("cli.review_commands.merge_cmd.2", n=n, merge=result.merge[:10])
    if result.sealed:
        text += say("cli.review_commands.merge_cmd.3", seal=result.seal) + "\n".join(f"  {s['number']}　{s['path']}" for s in result.sealed)
    emit(ctx, data, text)


COMMANDS = [review_group]
