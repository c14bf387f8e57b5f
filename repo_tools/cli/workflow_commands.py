"""The 发文 workflow on the command line (Art. 3, 12, 30): `oa review sign-off|countersign|check`,
`oa unit set-workflow`, `oa delegate`. Thin over repo_tools.workflow."""
from __future__ import annotations

from datetime import date

import click

from repo_tools.cli.city_commands import unit_group
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.cli.review_commands import _unit, review_group, unit_option
from repo_tools.messages import Refused, say
from repo_tools.workflow import acting, delegation, settings


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused("usage", detail=say("cli.workflow_commands._day.1",
                                          what=what, text=text), remedy=say("cli.workflow_commands._day.2")) from None


@review_group.command("sign-off")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help=say("cli.workflow_commands.sign_off_cmd.1"))
@click.option("--date", "on", default=None, help=say("cli.workflow_commands.sign_off_cmd.2"))
@click.option("--delegation", default=None, help=say("cli.workflow_commands.sign_off_cmd.3"))
@unit_option
@pass_ctx
@refusals_exit
def sign_off_cmd(ctx: Context, n: int, opinion: str, on: str | None, delegation: str | None,
                 unit_id: str | None) -> None:
    """签发：本单位负责人（或有签发权的副职、受托人）对当前版本签名签发。"""
    unit = _unit(ctx, unit_id)
    tag = acting.sign_off(ctx.city, unit, n, ctx.user, opinion, on=_day(on, say("cli.workflow_commands.sign_off_cmd.4")), delegation=delegation)
    emit(ctx, {"n": n, "unit": unit, "verdict": "sign-off", "user": ctx.user, "tag": tag,
               "ref": f"refs/reviews/{n}/{ctx.user}"},
         say("cli.workflow_commands.sign_off_cmd.5", n=n, user=ctx.user, tag=tag[:10]))


@review_group.command("check")
@click.argument("n", type=int)
@click.option("--opinion", default=say("cli.workflow_commands.check_cmd.1"), help=say("cli.workflow_commands.check_cmd.2"))
@unit_option
@pass_ctx
@refusals_exit
def check_cmd(ctx: Context, n: int, opinion: str, unit_id: str | None) -> None:
    """复核：签发之后、盖章之前，由本单位审核人或印章保管人复核。"""
    unit = _unit(ctx, unit_id)
    tag = acting.check(ctx.city, unit, n, ctx.user, opinion)
    emit(ctx, {"n": n, "unit": unit, "verdict": "check", "user": ctx.user, "tag": tag},
         say("cli.workflow_commands.check_cmd.3", n=n, tag=tag[:10]))


@review_group.command("countersign")
@click.argument("n", type=int)
@click.option("--opinion", required=True, help=say("cli.workflow_commands.countersign_cmd.1"))
@click.option("--unit", "from_unit", default=None, help=say("cli.workflow_commands.countersign_cmd.2"))
@click.option("--date", "on", default=None, help=say("cli.workflow_commands.countersign_cmd.3"))
@pass_ctx
@refusals_exit
def countersign_cmd(ctx: Context, n: int, opinion: str, from_unit: str | None, on: str | None) -> None:
    """会签：联合发文单位负责人在本单位仓库签名会签，由服务送达主办单位。"""
    tag = acting.countersign(ctx.city, ctx.user, n, opinion, from_unit, on=_day(on, say("cli.workflow_commands.countersign_cmd.4")))
    emit(ctx, {"n": n, "from": from_unit, "verdict": "countersign", "user": ctx.user, "tag": tag},
         say("cli.workflow_commands.countersign_cmd.5", n=n, tag=tag[:10]))


@unit_group.command("set-workflow")
@click.argument("unit_id")
@click.option("--approvals", type=int, default=None, help=say("cli.workflow_commands.set_workflow_cmd.1"))
@click.option("--signers", multiple=True, help=say("cli.workflow_commands.set_workflow_cmd.2"))
@click.option("--signers-for", "signers_for", multiple=True, help=say("cli.workflow_commands.set_workflow_cmd.3"))
@click.option("--check/--no-check", "check", default=None, help=say("cli.workflow_commands.set_workflow_cmd.4"))
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
                raise Refused("usage", detail=say("cli.workflow_commands.set_workflow_cmd.5",
                                                  item=item), remedy=say("cli.workflow_commands.set_workflow_cmd.6"))
            per_type[kind.strip()] = [p.strip() for p in who.split(",") if p.strip()]
    unit = settings.set_workflow(ctx.city, ctx.user, unit_id, approvals, people, per_type, check)
    reg = ctx.city.registry()
    emit(
        ctx,
        {
            "unit": unit.id,
            "required_approvals": unit.required_approvals,
            "leader": unit.leader,
            "signers": unit.signers,
            "signers_for": unit.signers_for,
            "check_required": unit.check_required,
        },
        say(
            "cli.workflow_commands.set_workflow_cmd.7",
            name=unit.name,
            required_approvals=unit.required_approvals,
            settings_describe_signers=settings.describe_signers(unit, reg),
            value=say("cli.workflow_commands.set_workflow_cmd.8") if unit.check_required else say("cli.workflow_commands.set_workflow_cmd.9"),
        ),
    )


@click.command("delegate")
@click.option("--to", "to", default=None, help=say("cli.workflow_commands.delegate_cmd.1"))
@click.option("--from", "start", default=None, help=say("cli.workflow_commands.delegate_cmd.2"))
@click.option("--until", default=None, help=say("cli.workflow_commands.delegate_cmd.3"))
@click.option("--revoke", default=None, help=say("cli.workflow_commands.delegate_cmd.4"))
@click.option("--list", "listing", is_flag=True, help=say("cli.workflow_commands.delegate_cmd.5"))
@pass_ctx
@refusals_exit
def delegate_cmd(ctx: Context, to: str | None, start: str | None, until: str | None, revoke: str | None, listing: bool) -> None:
    """委托：单位负责人签名委托本单位人员在一段时间内代为签发（或撤销、列出委托）。"""
    if listing:
        person = ctx.city.registry().person(ctx.user)
        rows = delegation.grants(ctx.city, person.unit if person else "")
        emit(
            ctx,
            rows,
            "\n".join(
                say(
                    "cli.workflow_commands.delegate_cmd.6",
                    id=r["id"],
                    leader=r["leader"],
                    to=r["to"],
                    value=r["from"],
                    until=r["until"],
                    value2=say("cli.workflow_commands.delegate_cmd.14") if r["revoked"] else "",
                )
                for r in rows
            )
            or say("cli.workflow_commands.delegate_cmd.7"),
        )
        return
    if revoke:
        tag = delegation.revoke(ctx.city, ctx.user, revoke)
        emit(ctx, {"id": revoke, "revoked": True, "tag": tag}, say("cli.workflow_commands.delegate_cmd.8", revoke=revoke))
        return
    if not (to and start and until):
        raise Refused("usage", detail=say("cli.workflow_commands.delegate_cmd.9"), remedy=say("cli.workflow_commands.delegate_cmd.10"))
    day_from, day_until = _day(start, say("cli.workflow_commands.delegate_cmd.11")), _day(until, say("cli.workflow_commands.delegate_cmd.12"))
    assert day_from and day_until
    ident = delegation.delegate(ctx.city, ctx.user, to, day_from, day_until)
    emit(
        ctx,
        {"id": ident, "to": to, "from": start, "until": until},
        say("cli.workflow_commands.delegate_cmd.13", ident=ident, to=to, start=start, until=until),
    )


COMMANDS = [delegate_cmd]
