"""`oa review open|list|show|approve|reject|merge`: merge requests, signed verdicts and the
sealing merge (Art. 3, 17, 21, 28, 30)."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.git.repo import clean_env, git
from repo_tools.messages import Refused
from repo_tools.review import requests as review_mod
from repo_tools.seal import sealing

STATES = {"open": "待审核", "merged": "已合并", "rejected": "已驳回"}


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
        raise Refused("usage", detail="无法确定单位。", remedy="请用 --unit 指定单位，或在 `oa clone` 的工作副本中运行。")
    return person.unit


unit_option = click.option("--unit", "unit_id", default=None, help="单位（默认：工作副本或本人所在单位）")


@click.group("review")
def review_group() -> None:
    """合并请求与审核：发起、查看、同意、驳回、盖章合并。"""


@review_group.command("open")
@click.option("--branch", default=None, help="要提交审核的分支（默认：工作副本的当前分支）")
@click.option("--title", default=None, help="标题（默认：最新提交的说明首行）")
@unit_option
@pass_ctx
@refusals_exit
def open_cmd(ctx: Context, branch: str | None, title: str | None, unit_id: str | None) -> None:
    """发起合并请求：推送 refs/heads/mr/<编号>。"""
    unit = _unit(ctx, unit_id)
    n = review_mod.open_request(ctx.city, unit, ctx.user, branch=branch, title=title, workdir=_clone_dir())
    emit(ctx, {"n": n, "unit": unit, "ref": f"refs/heads/mr/{n}"},
         f"已发起合并请求 !{n}（单位 {unit}），请本单位审核人审核：oa review show {n}")


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
    table = Table("编号", "标题", "发起人", "状态", "同意", "等待", "发文字号")
    for r in rows:
        table.add_row(f"!{r['n']}", r["title"], r["author"] or "", STATES[r["state"]],
                      f"{r['approvals']}/{r['required']}", r["waiting"], "、".join(r["numbers"]))
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
    lines = [f"合并请求 !{n}：{data['title']}（{STATES[data['state']]}）",
             f"  发起人：{data['author'] or '未知'}　提交人：{'、'.join(data['committers'])}",
             f"  分支：{data['branch']}　当前版本：{data['head'][:10]}",
             "  改动：" + ("、".join(data["files"]) or "无")]
    for v in data["verdicts"]:
        mark = "✓" if v["valid"] and v["current"] else "✗"
        when = "当前版本" if v["current"] else f"旧版本 {v['head'][:10]}（已失效）"
        verdict = review_mod.VERDICT_NAMES.get(v["verdict"] or "", "格式错误")
        extra = f"；无效：{v['problem']}" if v["problem"] else ""
        lines.append(f"  {mark} {v['name'] or v['reviewer']}（{v['reviewer']}）{verdict}，{when}{extra}：{v['opinion']}")
    for h in data.get("history", []):
        verdict = review_mod.VERDICT_NAMES.get(h["verdict"] or "", "格式错误")
        lines.append(f"  · 此前意见：{h['name'] or h['reviewer']}（{h['reviewer']}）{verdict}，"
                     f"版本 {h['head'][:10]}，{h['signed_at']}（已由其后来的意见取代）：{h['opinion']}")
    lines.append(f"  同意：{data['approvals']}/{data['required']}")
    for item in data["missing"]:
        lines.append(f"  尚缺：{item}")
    for s in data["sealed"]:
        lines.append(f"  已盖章：{s['path']}　{s['number']}")
    emit(ctx, data, "\n".join(lines))


def _verdict(ctx: Context, n: int, opinion: str, unit_id: str | None, verdict: str) -> None:
    unit = _unit(ctx, unit_id)
    done = review_mod.cast(ctx.city, unit, n, ctx.user, verdict, opinion)
    tag = done.tag
    text = f"已签名{review_mod.VERDICT_NAMES[verdict]}合并请求 !{n}：refs/reviews/{n}/{ctx.user}（标签 {tag[:10]}）"
    if done.replaced:
        text += (f"\n  注意：这一意见取代了您此前对 !{n} 的意见（标签 {done.replaced[:10]}），"
                 f"原意见保留在 {done.history_ref}，`oa review show {n}` 可见。")
    emit(ctx, {"n": n, "unit": unit, "verdict": verdict, "reviewer": ctx.user, "tag": tag,
               "ref": f"refs/reviews/{n}/{ctx.user}", "replaced": done.replaced, "history_ref": done.history_ref},
         text)


@review_group.command("approve")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help="审核意见（意见）")
@unit_option
@pass_ctx
@refusals_exit
def approve_cmd(ctx: Context, n: int, opinion: str, unit_id: str | None) -> None:
    """同意：对合并请求的当前版本签名表态。"""
    _verdict(ctx, n, opinion, unit_id, "approve")


@review_group.command("reject")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help="驳回意见（意见）")
@unit_option
@pass_ctx
@refusals_exit
def reject_cmd(ctx: Context, n: int, opinion: str, unit_id: str | None) -> None:
    """驳回：对合并请求的当前版本签名表态。"""
    _verdict(ctx, n, opinion, unit_id, "reject")


@review_group.command("merge")
@click.argument("n", type=int)
@click.option("--code", default=None, help="机关代字（默认：本单位第一个机关代字）")
@unit_option
@pass_ctx
@refusals_exit
def merge_cmd(ctx: Context, n: int, code: str | None, unit_id: str | None) -> None:
    """合并进入 main：公文由印章保管人以单位电子印章签名并编排发文字号；信息由审核人合并。"""
    unit = _unit(ctx, unit_id)
    result = sealing.merge(ctx.city, unit, n, ctx.user, code=code)
    data = {"n": n, "unit": unit, "merge": result.merge, "seal": result.seal, "attempts": result.attempts,
            "sealed": [{"path": s["path"], "number": s["number"]} for s in result.sealed]}
    text = f"已合并 !{n}：main → {result.merge[:10]}"
    if result.sealed:
        text += f"（电子印章 {result.seal}）\n" + "\n".join(f"  {s['number']}　{s['path']}" for s in result.sealed)
    emit(ctx, data, text)


COMMANDS = [review_group]
