"""`oa init`, `oa unit ...`, `oa user ...`, `oa clone`, `oa log verify`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from repo_tools import city as city_mod
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.git.clone import clone as clone_unit
from repo_tools.log import eventlog
from repo_tools.messages import say
from repo_tools.registry.records import ROLE_NAMES, ROLES, STATUS_NAMES


@click.command("init")
@click.argument("city_dir", type=click.Path(file_okay=False))
@click.option("--admin", default="admin", show_default=True, help=say("cli.city_commands.init_cmd.1"))
@click.option("--admin-name", default=say("cli.city_commands.init_cmd.2"), show_default=True)
@click.option("--egov-name", default=say("cli.city_commands.init_cmd.3"), show_default=True)
@pass_ctx
@refusals_exit
def init_cmd(ctx: Context, city_dir: str, admin: str, admin_name: str, egov_name: str) -> None:
    """新建城市：根密钥、登记系统、电子政务办公室（egov）及其首位管理员。"""
    city = city_mod.init(city_dir, admin=admin, admin_name=admin_name, egov_name=egov_name)
    emit(ctx, {"city": str(city.root), "admin": admin},
         say("cli.city_commands.init_cmd.4",
             root=city.root, admin=admin, admin_name=admin_name))


@click.group("unit")
def unit_group() -> None:
    """单位登记（第五、六、九条）。"""


@unit_group.command("add")
@click.argument("unit_id")
@click.option("--name", required=True, help=say("cli.city_commands.unit_add.1"))
@click.option("--code", "codes", multiple=True, required=True, help=say("cli.city_commands.unit_add.2"))
@click.option("--level", default="department", type=click.Choice(["city", "county", "township", "department"]),
              show_default=True, help=say("cli.city_commands.unit_add.3"))
@click.option("--required-approvals", default=1, show_default=True, type=int)
@click.option("--fonds", default="", help=say("cli.city_commands.unit_add.4"))
@pass_ctx
@refusals_exit
def unit_add(ctx: Context, unit_id: str, name: str, codes: tuple[str, ...], level: str,
             required_approvals: int, fonds: str) -> None:
    """登记单位，建立其仓库、首个签名提交和电子印章。"""
    unit = city_mod.add_unit(ctx.city, ctx.user, unit_id, name, list(codes), level, required_approvals, fonds)
    emit(ctx, {"unit": unit.id, "name": unit.name, "codes": unit.codes},
         say("cli.city_commands.unit_add.5",
             id=unit.id, name=unit.name, value_join='、'.join(unit.codes)))


@unit_group.command("set-leader")
@click.argument("unit_id")
@click.argument("user_id")
@pass_ctx
@refusals_exit
def unit_set_leader(ctx: Context, unit_id: str, user_id: str) -> None:
    """指定单位负责人（与系统管理员一同审批本单位的证书和印章申请，第十九、二十五条）。"""
    unit = city_mod.set_unit_leader(ctx.city, ctx.user, unit_id, user_id)
    emit(ctx, {"unit": unit.id, "leader": unit.leader}, say("cli.city_commands.unit_set_leader.1",
                                                            id=unit.id, name=unit.name, leader=unit.leader))


@unit_group.command("list")
@pass_ctx
@refusals_exit
def unit_list(ctx: Context) -> None:
    """列出已登记的单位。"""
    reg = ctx.city.registry()
    rows: list[dict[str, Any]] = [{"id": u.id, "name": u.name, "codes": u.codes, "status": u.status, "leader": u.leader,
             "members": len(reg.members(u.id))} for u in reg.units.values()]
    if ctx.json:
        emit(ctx, rows)
        return
    table = Table(
        say("cli.city_commands.unit_list.1"),
        say("cli.city_commands.unit_list.2"),
        say("cli.city_commands.unit_list.3"),
        say("cli.city_commands.unit_list.4"),
        say("cli.city_commands.unit_list.5"),
        say("cli.city_commands.unit_list.6"),
    )
    for r in rows:
        table.add_row(r["id"], r["name"], "、".join(r["codes"]), r["leader"] or "—", str(r["members"]), STATUS_NAMES.get(r["status"], r["status"]))
    Console().print(table)


@click.group("user")
def user_group() -> None:
    """人员与角色（第七、十三条）。"""


@user_group.command("add")
@click.argument("user_id")
@click.option("--name", required=True)
@click.option("--unit", "unit_id", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False), default=None, help=say("cli.city_commands.user_add.1"))
@pass_ctx
@refusals_exit
def user_add(ctx: Context, user_id: str, name: str, unit_id: str, roles: tuple[str, ...], key_file: str | None) -> None:
    """登记人员及其数字证书。"""
    person = city_mod.add_user(ctx.city, ctx.user, user_id, name, unit_id, list(roles), Path(key_file) if key_file else None)
    emit(
        ctx,
        {"user": person.id, "unit": person.unit, "roles": person.roles, "fingerprint": person.keys[0].fingerprint},
        say(
            "cli.city_commands.user_add.2",
            id=person.id,
            name=person.name,
            unit=person.unit,
            value_join="、".join(ROLE_NAMES[r] for r in person.roles),
            fingerprint=person.keys[0].fingerprint,
        ),
    )


@user_group.command("list")
@click.option("--unit", "unit_id", default=None)
@pass_ctx
@refusals_exit
def user_list(ctx: Context, unit_id: str | None) -> None:
    """列出人员。"""
    reg = ctx.city.registry()
    people = [p for p in reg.people.values() if unit_id is None or p.unit == unit_id]
    rows: list[dict[str, Any]] = [{"id": p.id, "name": p.name, "unit": p.unit, "roles": p.roles, "status": p.status} for p in people]
    if ctx.json:
        emit(ctx, rows)
        return
    table = Table(
        say("cli.city_commands.user_list.1"),
        say("cli.city_commands.user_list.2"),
        say("cli.city_commands.user_list.3"),
        say("cli.city_commands.user_list.4"),
        say("cli.city_commands.user_list.5"),
    )
    for r in rows:
        table.add_row(r["id"], r["name"], r["unit"], "、".join(ROLE_NAMES[x] for x in r["roles"]), STATUS_NAMES.get(r["status"], r["status"]))
    Console().print(table)


@user_group.command("disable")
@click.argument("user_id")
@click.option("--reason", default="")
@pass_ctx
@refusals_exit
def user_disable(ctx: Context, user_id: str, reason: str) -> None:
    """停用账户（第十四条）。"""
    city_mod.set_person_status(ctx.city, ctx.user, user_id, "disabled", reason)
    emit(ctx, {"user": user_id, "status": "disabled"}, say("cli.city_commands.user_disable.1", user_id=user_id))


@user_group.command("enable")
@click.argument("user_id")
@click.option("--reason", default="")
@pass_ctx
@refusals_exit
def user_enable(ctx: Context, user_id: str, reason: str) -> None:
    """重新启用账户（第十四条：由单位系统管理员重新启用）。"""
    city_mod.set_person_status(ctx.city, ctx.user, user_id, "active", reason)
    emit(ctx, {"user": user_id, "status": "active"}, say("cli.city_commands.user_enable.1", user_id=user_id))


@click.command("clone")
@click.argument("unit_id")
@click.argument("directory", type=click.Path(file_okay=False))
@pass_ctx
@refusals_exit
def clone_cmd(ctx: Context, unit_id: str, directory: str) -> None:
    """取得本单位仓库的工作副本（提交与推送均以本人密钥签名）；UNIT 也可以是 ssh://oa@主机[:端口]/单位。"""
    if unit_id.startswith("ssh://"):
        from repo_tools.server.remote import clone_over_ssh

        target = clone_over_ssh(unit_id, directory, ctx.user)
    else:
        target = clone_unit(ctx.city, unit_id, directory, ctx.user)
    emit(ctx, {"directory": str(target)}, say("cli.city_commands.clone_cmd.1", target=target, user=ctx.user))


@click.group("log")
def log_group() -> None:
    """事件日志（见证的 Merkle 树：签名检查点、各单位见证联署、离线证明）。"""


@log_group.command("verify")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False, exists=True), help=say("cli.city_commands.log_verify.1"))
@pass_ctx
@refusals_exit
def log_verify(ctx: Context, checkpoints: tuple[str, ...]) -> None:
    """检查整个事件日志：每个条目、Merkle 树、瓦片、检查点签名与联署，及与各已联署检查点的一致性。"""
    from repo_tools.log import audit, policy

    city = ctx.city
    chain = eventlog.verify_chain(city.log_file)
    given = [(say("cli.city_commands.log_verify.2", p=p), Path(p).read_text(encoding="utf-8")) for p in checkpoints]
    result = audit.audit(city.log_file, policy.load(city.registry_repo), given)
    ok = not chain and not result.problems
    if ctx.json:
        emit(
            ctx,
            {
                "ok": ok,
                "events": result.leaves,
                "witnessed_size": result.witnessed_size,
                "checkpoints": result.checkpoints,
                "problems": [p.__dict__ for p in chain] + [p.__dict__ for p in result.problems],
            },
        )
    elif not ok:
        for p in chain:
            click.echo(say("cli.city_commands.log_verify.3", line=p.line, message=p.message), err=True)
        for q in result.problems:
            click.echo(f"✗ {q.message}", err=True)
    else:
        click.echo(say("cli.city_commands.log_verify.4", leaves=result.leaves, checkpoints=result.checkpoints, witnessed_size=result.witnessed_size))
    if not ok:
        raise SystemExit(1)


@log_group.command("proof")
@click.argument("oid")
@click.option("--unit", "unit_id", default=None, help=say("cli.city_commands.log_proof.1"))
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help=say("cli.city_commands.log_proof.2"))
@pass_ctx
@refusals_exit
def log_proof(ctx: Context, oid: str, unit_id: str | None, out: str | None) -> None:
    """为带来该对象的推送写出离线证明（c2sp.org/tlog-proof@v1），可用 `oa verify --proof` 核验。"""
    from repo_tools.log import policy, proof

    city = ctx.city
    made = proof.make(city.log_file, policy.load(city.registry_repo), oid, unit_id)
    text = made.encode()
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(say("cli.city_commands.log_proof.3", out=out, index=made.index))
    else:
        click.echo(text, nl=False)


@click.group("witness")
def witness_group() -> None:
    """日志见证：各单位管理员用本单位的见证密钥联署检查点。"""


@witness_group.command("add")
@click.option("--unit", "unit_id", required=True)
@click.option("--holder", required=True, help=say("cli.city_commands.witness_add.1"))
@click.option("--key", "key", default=None, help=say("cli.city_commands.witness_add.2"))
@pass_ctx
@refusals_exit
def witness_add(ctx: Context, unit_id: str, holder: str, key: str | None) -> None:
    """登记单位的日志见证公钥（电子政务办公室）。"""
    from repo_tools.log import enrol

    verifier = enrol.add_witness(ctx.city, ctx.user, unit_id, holder, key=key)
    emit(ctx, {"unit": unit_id, "key": verifier.text()}, say("cli.city_commands.witness_add.3", unit_id=unit_id, verifier_text=verifier.text()))


@witness_group.command("run")
@click.option("--unit", "unit_id", required=True)
@click.option("--state", "state_dir", default=None, type=click.Path(file_okay=False), help=say("cli.city_commands.witness_run.1"))
@pass_ctx
@refusals_exit
def witness_run(ctx: Context, unit_id: str, state_dir: str | None) -> None:
    """读取最新检查点和所需瓦片，核验日志签名与一致性证明，保存状态后联署。"""
    from repo_tools.log import witness

    city = ctx.city
    done = witness.run(city.root, city.registry_repo, unit_id, ctx.user, Path(state_dir) if state_dir else None)
    emit(
        ctx,
        done.__dict__ | {"root": done.root.hex()},
        say(
            "cli.city_commands.witness_run.2",
            unit_id=unit_id,
            size=done.size,
            old_size=done.old_size,
            proof_hashes=done.proof_hashes,
            tiles_fetched=done.tiles_fetched,
        ),
    )


COMMANDS = [init_cmd, unit_group, user_group, clone_cmd, log_group, witness_group]


# Units and people over their whole life (Art. 7, 9, 12, 14) ---------------------------------
@user_group.command("set-roles")
@click.argument("user_id")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@pass_ctx
@refusals_exit
def user_set_roles(ctx: Context, user_id: str, roles: tuple[str, ...]) -> None:
    """调整人员的角色（第十二条：本单位系统管理员或电子政务办公室）。"""
    from repo_tools import lifecycle

    person = lifecycle.set_roles(ctx.city, ctx.user, user_id, list(roles))
    emit(
        ctx,
        {"user": person.id, "unit": person.unit, "roles": person.roles},
        say("cli.city_commands.user_set_roles.1", id=person.id, name=person.name, value_join="、".join(ROLE_NAMES[r] for r in person.roles)),
    )


@user_group.command("move")
@click.argument("user_id")
@click.option("--to", "to_unit", required=True, help=say("cli.city_commands.user_move.1"))
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help=say("cli.city_commands.user_move.2"))
@pass_ctx
@refusals_exit
def user_move(ctx: Context, user_id: str, to_unit: str, roles: tuple[str, ...]) -> None:
    """人员调动到另一单位（电子政务办公室办理；此前的签名仍按原单位验证）。"""
    from repo_tools import lifecycle

    person = lifecycle.move(ctx.city, ctx.user, user_id, to_unit, list(roles) or None)
    emit(
        ctx,
        {"user": person.id, "unit": person.unit, "roles": person.roles},
        say(
            "cli.city_commands.user_move.3",
            id=person.id,
            name=person.name,
            unit=person.unit,
            value_join="、".join(ROLE_NAMES[r] for r in person.roles),
        ),
    )


@user_group.command("remove")
@click.argument("user_id")
@click.option("--reason", default="left", show_default=True, help=say("cli.city_commands.user_remove.1"))
@click.option("--approved-by", default=None, help=say("cli.city_commands.user_remove.2"))
@pass_ctx
@refusals_exit
def user_remove(ctx: Context, user_id: str, reason: str, approved_by: str | None) -> None:
    """注销人员：证书同时注销（记录时间与原因），登记记录与历史保留，用户标识永不再用（第七条）。"""
    from repo_tools import lifecycle

    person = lifecycle.remove(ctx.city, ctx.user, user_id, reason, approved_by)
    emit(
        ctx,
        {"user": person.id, "status": person.status, "removed_at": person.removed_at},
        say("cli.city_commands.user_remove.3", id=person.id, name=person.name, removed_at=person.removed_at),
    )


@unit_group.command("rename")
@click.argument("unit_id")
@click.option("--name", required=True, help=say("cli.city_commands.unit_rename.1"))
@click.option("--from", "from_date", required=True, help=say("cli.city_commands.unit_rename.2"))
@click.option("--approved-by", required=True, help=say("cli.city_commands.unit_rename.3"))
@pass_ctx
@refusals_exit
def unit_rename(ctx: Context, unit_id: str, name: str, from_date: str, approved_by: str) -> None:
    """单位名称变更（第九条第一项）：标识与历史不变，登记新名称及其生效日期。"""
    from repo_tools import lifecycle

    unit = lifecycle.rename(ctx.city, ctx.user, unit_id, name, from_date, approved_by)
    emit(
        ctx,
        {"unit": unit.id, "name": unit.name, "names": unit.names},
        say("cli.city_commands.unit_rename.4", id=unit.id, value=unit.names[-1]["from"], name=unit.name),
    )


@unit_group.command("deregister")
@click.argument("unit_id")
@click.option("--archives-to", required=True, help=say("cli.city_commands.unit_deregister.1"))
@click.option("--approved-by", required=True, help=say("cli.city_commands.unit_deregister.2"))
@click.option("--reason", default="", help=say("cli.city_commands.unit_deregister.3"))
@pass_ctx
@refusals_exit
def unit_deregister(ctx: Context, unit_id: str, archives_to: str, approved_by: str, reason: str) -> None:
    """注销单位（第九条第二项）：名称停用，印章、证书和人员注销，仓库按单位要求移交并只读。"""
    from repo_tools import lifecycle

    unit = lifecycle.deregister(ctx.city, ctx.user, unit_id, archives_to, approved_by, reason)
    emit(
        ctx,
        {"unit": unit.id, "status": unit.status, "archives_to": unit.archives_to, "deregistered_at": unit.deregistered_at},
        say("cli.city_commands.unit_deregister.4", id=unit.id, name=unit.name, archives_to=unit.archives_to),
    )


@unit_group.command("merge")
@click.argument("unit_ids", nargs=-1, required=True)
@click.option("--into", default=None, help=say("cli.city_commands.unit_merge.1"))
@click.option("--new", "new_id", default=None, help=say("cli.city_commands.unit_merge.2"))
@click.option("--name", default=None, help=say("cli.city_commands.unit_merge.3"))
@click.option("--code", "codes", multiple=True, help=say("cli.city_commands.unit_merge.4"))
@click.option("--level", default="department", type=click.Choice(["city", "county", "township", "department"]))
@click.option("--approved-by", required=True, help=say("cli.city_commands.unit_merge.5"))
@pass_ctx
@refusals_exit
def unit_merge(
    ctx: Context,
    unit_ids: tuple[str, ...],
    into: str | None,
    new_id: str | None,
    name: str | None,
    codes: tuple[str, ...],
    level: str,
    approved_by: str,
) -> None:
    """单位合并（第九条第三项）：沿用一个单位名称或启用经上级批准的新名称，其余单位注销。"""
    from repo_tools import lifecycle

    unit = lifecycle.merge(ctx.city, ctx.user, list(unit_ids), approved_by, into=into, new_id_=new_id, new_name=name, codes=list(codes), level=level)
    emit(
        ctx,
        {"unit": unit.id, "name": unit.name, "merged_from": unit.merged_from},
        say("cli.city_commands.unit_merge.6", id=unit.id, name=unit.name, value_join="、".join(unit.merged_from)),
    )


@unit_group.command("settings")
@click.argument("unit_id")
@click.option("--code", "codes", multiple=True, help=say("cli.city_commands.unit_settings.1"))
@click.option("--required-approvals", type=int, default=None, help=say("cli.city_commands.unit_settings.2"))
@pass_ctx
@refusals_exit
def unit_settings(ctx: Context, unit_id: str, codes: tuple[str, ...], required_approvals: int | None) -> None:
    """设置本单位的机关代字和审批人数（第十二条：本单位系统管理员或电子政务办公室）。"""
    from repo_tools import lifecycle

    unit = lifecycle.set_settings(ctx.city, ctx.user, unit_id, list(codes) or None, required_approvals)
    emit(
        ctx,
        {"unit": unit.id, "codes": unit.codes, "required_approvals": unit.required_approvals},
        say("cli.city_commands.unit_settings.3", id=unit.id, value_join="、".join(unit.codes), required_approvals=unit.required_approvals),
    )
