"""The 发文 workflow on the command line (Art. 3, 12, 30): `oa review sign-off|countersign|check`,
`oa unit set-workflow`, `oa delegate`. Thin over repo_tools.workflow."""
from __future__ import annotations

from datetime import date

import click

from repo_tools.cli.city_commands import unit_group
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.cli.review_commands import _unit, review_group, unit_option
from repo_tools.messages import Refused
from repo_tools.workflow import acting, delegation, settings


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused("usage", detail=f"{what}“{text}”不是日期。", remedy="请写成 2026-12-01 的形式。") from None


@review_group.command("sign-off")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help="签发意见，如“同意印发”")
@click.option("--date", "on", default=None, help="成文日期（默认：签发当天；会议纪要等可写更早的日期）")
@click.option("--delegation", default=None, help="所依据的委托编号（默认：自动查找有效的委托）")
@unit_option
@pass_ctx
@refusals_exit
def sign_off_cmd(ctx: Context, n: int, opinion: str, on: str | None, delegation: str | None,
                 unit_id: str | None) -> None:
    """签发：本单位负责人（或有签发权的副职、受托人）对当前版本签名签发。"""
    unit = _unit(ctx, unit_id)
    tag = acting.sign_off(ctx.city, unit, n, ctx.user, opinion, on=_day(on, "成文日期"), delegation=delegation)
    emit(ctx, {"n": n, "unit": unit, "verdict": "sign-off", "user": ctx.user, "tag": tag,
               "ref": f"refs/reviews/{n}/{ctx.user}"},
         f"已签名签发合并请求 !{n}：refs/reviews/{n}/{ctx.user}（标签 {tag[:10]}）")


@review_group.command("check")
@click.argument("n", type=int)
@click.option("--opinion", default="复核无误，同意用印。", help="复核意见")
@unit_option
@pass_ctx
@refusals_exit
def check_cmd(ctx: Context, n: int, opinion: str, unit_id: str | None) -> None:
    """复核：签发之后、盖章之前，由本单位审核人或印章保管人复核。"""
    unit = _unit(ctx, unit_id)
    tag = acting.check(ctx.city, unit, n, ctx.user, opinion)
    emit(ctx, {"n": n, "unit": unit, "verdict": "check", "user": ctx.user, "tag": tag},
         f"已签名复核合并请求 !{n}（标签 {tag[:10]}）")


@review_group.command("countersign")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help="会签意见")
@click.option("--unit", "from_unit", default=None, help="主办单位（默认：唯一送达此编号会签件的单位）")
@click.option("--date", "on", default=None, help="会签日期（默认：当天）")
@pass_ctx
@refusals_exit
def countersign_cmd(ctx: Context, n: int, opinion: str, from_unit: str | None, on: str | None) -> None:
    """会签：联合发文单位负责人在本单位仓库签名会签，由服务送达主办单位。"""
    tag = acting.countersign(ctx.city, ctx.user, n, opinion, from_unit, on=_day(on, "会签日期"))
    emit(ctx, {"n": n, "from": from_unit, "verdict": "countersign", "user": ctx.user, "tag": tag},
         f"已签名会签合并请求 !{n}（标签 {tag[:10]}），服务将送达主办单位")


@unit_group.command("set-workflow")
@click.argument("unit_id")
@click.option("--approvals", type=int, default=None, help="核稿人数（第十二条）")
@click.option("--signers", multiple=True, help="可签发全部文种的副职（可多次给出，或用逗号分隔）")
@click.option("--signers-for", "signers_for", multiple=True, help="按文种指定签发人：文种=用户,用户")
@click.option("--check/--no-check", "check", default=None, help="盖章前是否必须复核")
@pass_ctx
@refusals_exit
def set_workflow_cmd(ctx: Context, unit_id: str, approvals: int | None, signers: tuple[str, ...],
                     signers_for: tuple[str, ...], check: bool | None) -> None:
    """设置本单位发文流程：核稿人数、签发人（负责人与副职，可按文种）、是否复核。"""
    people = [p for item in signers for p in item.split(",") if p.strip()] if signers else None
    per_type: dict[str, list[str]] | None = None
    if signers_for:
        per_type = {}
        for item in signers_for:
            kind, sep, who = item.partition("=")
            if not sep:
                raise Refused("usage", detail=f"“{item}”应写成 文种=用户,用户。", remedy="例如 --signers-for 请示=wangfz。")
            per_type[kind.strip()] = [p.strip() for p in who.split(",") if p.strip()]
    unit = settings.set_workflow(ctx.city, ctx.user, unit_id, approvals, people, per_type, check)
    reg = ctx.city.registry()
    emit(ctx, {"unit": unit.id, "required_approvals": unit.required_approvals, "leader": unit.leader,
               "signers": unit.signers, "signers_for": unit.signers_for, "check_required": unit.check_required},
         f"已设置 {unit.name} 发文流程：核稿 {unit.required_approvals} 人；签发人 {settings.describe_signers(unit, reg)}；"
         f"复核{'必需' if unit.check_required else '不必需'}")


@click.command("delegate")
@click.option("--to", "to", default=None, help="受托人（本单位人员）")
@click.option("--from", "start", default=None, help="起始日期，如 2026-12-01")
@click.option("--until", default=None, help="截止日期（含当天）")
@click.option("--revoke", default=None, help="撤销委托（委托编号）")
@click.option("--list", "listing", is_flag=True, help="列出本单位的委托")
@pass_ctx
@refusals_exit
def delegate_cmd(ctx: Context, to: str | None, start: str | None, until: str | None, revoke: str | None,
                 listing: bool) -> None:
    """委托：单位负责人签名委托本单位人员在一段时间内代为签发（或撤销、列出委托）。"""
    if listing:
        person = ctx.city.registry().person(ctx.user)
        rows = delegation.grants(ctx.city, person.unit if person else "")
        emit(ctx, rows, "\n".join(f"{r['id']}　{r['leader']} → {r['to']}　{r['from']} 至 {r['until']}"
                                  f"{'（已撤销）' if r['revoked'] else ''}" for r in rows) or "没有委托。")
        return
    if revoke:
        tag = delegation.revoke(ctx.city, ctx.user, revoke)
        emit(ctx, {"id": revoke, "revoked": True, "tag": tag}, f"已撤销委托 {revoke}")
        return
    if not (to and start and until):
        raise Refused("usage", detail="委托需要 --to、--from 和 --until。",
                      remedy="例如 oa delegate --to wangfz --from 2026-12-01 --until 2026-12-31。")
    day_from, day_until = _day(start, "起始日期"), _day(until, "截止日期")
    assert day_from and day_until
    ident = delegation.delegate(ctx.city, ctx.user, to, day_from, day_until)
    emit(ctx, {"id": ident, "to": to, "from": start, "until": until},
         f"已签名委托 {ident}：{to} 自 {start} 至 {until} 代为签发")


COMMANDS = [delegate_cmd]
