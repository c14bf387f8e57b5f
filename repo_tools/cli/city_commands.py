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
from repo_tools.registry.records import ROLE_NAMES, ROLES, STATUS_NAMES


@click.command("init")
@click.argument("city_dir", type=click.Path(file_okay=False))
@click.option("--admin", default="admin", show_default=True, help="电子政务办公室首位管理员的用户标识")
@click.option("--admin-name", default="电子政务办管理员", show_default=True)
@click.option("--egov-name", default="六安市电子政务办公室", show_default=True)
@pass_ctx
@refusals_exit
def init_cmd(ctx: Context, city_dir: str, admin: str, admin_name: str, egov_name: str) -> None:
    """新建城市：根密钥、登记系统、电子政务办公室（egov）及其首位管理员。"""
    city = city_mod.init(city_dir, admin=admin, admin_name=admin_name, egov_name=egov_name)
    emit(ctx, {"city": str(city.root), "admin": admin},
         f"已建立城市 {city.root}\n  电子政务办公室管理员：{admin}（{admin_name}）")


@click.group("unit")
def unit_group() -> None:
    """单位登记（第五、六、九条）。"""


@unit_group.command("add")
@click.argument("unit_id")
@click.option("--name", required=True, help="单位全称，如 六安市人民政府办公室")
@click.option("--code", "codes", multiple=True, required=True, help="机关代字，可多次给出")
@click.option("--level", default="department", type=click.Choice(["city", "county", "township", "department"]),
              show_default=True, help="单位级别（决定印章直径）")
@click.option("--required-approvals", default=1, show_default=True, type=int)
@click.option("--fonds", default="", help="全宗号（档案）")
@pass_ctx
@refusals_exit
def unit_add(ctx: Context, unit_id: str, name: str, codes: tuple[str, ...], level: str,
             required_approvals: int, fonds: str) -> None:
    """登记单位，建立其仓库、首个签名提交和电子印章。"""
    unit = city_mod.add_unit(ctx.city, ctx.user, unit_id, name, list(codes), level, required_approvals, fonds)
    emit(ctx, {"unit": unit.id, "name": unit.name, "codes": unit.codes},
         f"已登记单位 {unit.id}（{unit.name}），机关代字：{'、'.join(unit.codes)}")


@unit_group.command("set-leader")
@click.argument("unit_id")
@click.argument("user_id")
@pass_ctx
@refusals_exit
def unit_set_leader(ctx: Context, unit_id: str, user_id: str) -> None:
    """指定单位负责人（与系统管理员一同审批本单位的证书和印章申请，第十九、二十五条）。"""
    unit = city_mod.set_unit_leader(ctx.city, ctx.user, unit_id, user_id)
    emit(ctx, {"unit": unit.id, "leader": unit.leader}, f"已指定单位 {unit.id}（{unit.name}）负责人：{unit.leader}")


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
    table = Table("单位", "名称", "机关代字", "负责人", "人数", "状态")
    for r in rows:
        table.add_row(r["id"], r["name"], "、".join(r["codes"]), r["leader"] or "—", str(r["members"]),
                      STATUS_NAMES.get(r["status"], r["status"]))
    Console().print(table)


@click.group("user")
def user_group() -> None:
    """人员与角色（第七、十三条）。"""


@user_group.command("add")
@click.argument("user_id")
@click.option("--name", required=True)
@click.option("--unit", "unit_id", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="本人生成的公钥（.asc）；不给则在城市目录中生成（演示与测试用）")
@pass_ctx
@refusals_exit
def user_add(ctx: Context, user_id: str, name: str, unit_id: str, roles: tuple[str, ...],
             key_file: str | None) -> None:
    """登记人员及其数字证书。"""
    person = city_mod.add_user(ctx.city, ctx.user, user_id, name, unit_id, list(roles),
                               Path(key_file) if key_file else None)
    emit(ctx, {"user": person.id, "unit": person.unit, "roles": person.roles,
               "fingerprint": person.keys[0].fingerprint},
         f"已登记 {person.id}（{person.name}），单位 {person.unit}，"
         f"角色：{'、'.join(ROLE_NAMES[r] for r in person.roles)}\n  证书指纹：{person.keys[0].fingerprint}")


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
    table = Table("人员", "姓名", "单位", "角色", "状态")
    for r in rows:
        table.add_row(r["id"], r["name"], r["unit"], "、".join(ROLE_NAMES[x] for x in r["roles"]),
                      STATUS_NAMES.get(r["status"], r["status"]))
    Console().print(table)


@user_group.command("disable")
@click.argument("user_id")
@click.option("--reason", default="")
@pass_ctx
@refusals_exit
def user_disable(ctx: Context, user_id: str, reason: str) -> None:
    """停用账户（第十四条）。"""
    city_mod.set_person_status(ctx.city, ctx.user, user_id, "disabled", reason)
    emit(ctx, {"user": user_id, "status": "disabled"}, f"已停用账户 {user_id}")


@user_group.command("enable")
@click.argument("user_id")
@click.option("--reason", default="")
@pass_ctx
@refusals_exit
def user_enable(ctx: Context, user_id: str, reason: str) -> None:
    """重新启用账户（第十四条：由单位系统管理员重新启用）。"""
    city_mod.set_person_status(ctx.city, ctx.user, user_id, "active", reason)
    emit(ctx, {"user": user_id, "status": "active"}, f"已启用账户 {user_id}")


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
    emit(ctx, {"directory": str(target)}, f"已克隆到 {target}（以 {ctx.user} 的身份签名提交与推送）")


@click.group("log")
def log_group() -> None:
    """事件日志（见证的 Merkle 树：签名检查点、各单位见证联署、离线证明）。"""


@log_group.command("verify")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="另行核对的已联署检查点文件（如见证单位保存的 <单位>.checkpoint），可多次给出")
@pass_ctx
@refusals_exit
def log_verify(ctx: Context, checkpoints: tuple[str, ...]) -> None:
    """检查整个事件日志：每个条目、Merkle 树、瓦片、检查点签名与联署，及与各已联署检查点的一致性。"""
    from repo_tools.log import audit, policy
    city = ctx.city
    chain = eventlog.verify_chain(city.log_file)
    given = [(f"检查点文件 {p}", Path(p).read_text(encoding="utf-8")) for p in checkpoints]
    result = audit.audit(city.log_file, policy.load(city.registry_repo), given)
    ok = not chain and not result.problems
    if ctx.json:
        emit(ctx, {"ok": ok, "events": result.leaves, "witnessed_size": result.witnessed_size,
                   "checkpoints": result.checkpoints,
                   "problems": [p.__dict__ for p in chain] + [p.__dict__ for p in result.problems]})
    elif not ok:
        for p in chain:
            click.echo(f"✗ 第 {p.line} 行：{p.message}", err=True)
        for q in result.problems:
            click.echo(f"✗ {q.message}", err=True)
    else:
        click.echo(f"✓ 事件日志完整：{result.leaves} 条事件；Merkle 树、瓦片与 {result.checkpoints} 个检查点一致；"
                   f"经见证法定数联署的最大检查点 {result.witnessed_size} 条。")
    if not ok:
        raise SystemExit(1)


@log_group.command("proof")
@click.argument("oid")
@click.option("--unit", "unit_id", default=None, help="只看该单位仓库的推送")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="写入文件（默认输出到屏幕）")
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
        click.echo(f"已写出日志证明 {out}：第 {made.index} 号条目")
    else:
        click.echo(text, nl=False)


@click.group("witness")
def witness_group() -> None:
    """日志见证：各单位管理员用本单位的见证密钥联署检查点。"""


@witness_group.command("add")
@click.option("--unit", "unit_id", required=True)
@click.option("--holder", required=True, help="保管见证密钥的本单位系统管理员")
@click.option("--key", "key", default=None, help="管理员自己生成的见证公钥（不给则在其目录中生成，供演示和测试）")
@pass_ctx
@refusals_exit
def witness_add(ctx: Context, unit_id: str, holder: str, key: str | None) -> None:
    """登记单位的日志见证公钥（电子政务办公室）。"""
    from repo_tools.log import enrol
    verifier = enrol.add_witness(ctx.city, ctx.user, unit_id, holder, key=key)
    emit(ctx, {"unit": unit_id, "key": verifier.text()}, f"已登记单位 {unit_id} 的见证公钥：{verifier.text()}")


@witness_group.command("run")
@click.option("--unit", "unit_id", required=True)
@click.option("--state", "state_dir", default=None, type=click.Path(file_okay=False),
              help="见证的私钥与状态所在目录（默认：管理员本人目录下的 witness/）")
@pass_ctx
@refusals_exit
def witness_run(ctx: Context, unit_id: str, state_dir: str | None) -> None:
    """读取最新检查点和所需瓦片，核验日志签名与一致性证明，保存状态后联署。"""
    from repo_tools.log import witness
    city = ctx.city
    done = witness.run(city.root, city.registry_repo, unit_id, ctx.user, Path(state_dir) if state_dir else None)
    emit(ctx, done.__dict__ | {"root": done.root.hex()},
         f"✓ 单位 {unit_id} 已联署检查点：{done.size} 条（此前见证到 {done.old_size} 条；"
         f"一致性证明 {done.proof_hashes} 个哈希，读取瓦片 {done.tiles_fetched} 个）")


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
    emit(ctx, {"user": person.id, "unit": person.unit, "roles": person.roles},
         f"已调整 {person.id}（{person.name}）的角色：{'、'.join(ROLE_NAMES[r] for r in person.roles)}")


@user_group.command("move")
@click.argument("user_id")
@click.option("--to", "to_unit", required=True, help="调入单位")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="在新单位的角色（默认沿用，系统管理员除外）")
@pass_ctx
@refusals_exit
def user_move(ctx: Context, user_id: str, to_unit: str, roles: tuple[str, ...]) -> None:
    """人员调动到另一单位（电子政务办公室办理；此前的签名仍按原单位验证）。"""
    from repo_tools import lifecycle
    person = lifecycle.move(ctx.city, ctx.user, user_id, to_unit, list(roles) or None)
    emit(ctx, {"user": person.id, "unit": person.unit, "roles": person.roles},
         f"已将 {person.id}（{person.name}）调往 {person.unit}，角色：{'、'.join(ROLE_NAMES[r] for r in person.roles)}")


@user_group.command("remove")
@click.argument("user_id")
@click.option("--reason", default="left", show_default=True, help="注销原因（如 left 离职）")
@click.option("--approved-by", default=None, help="审批人：本单位负责人或系统管理员（默认：经办的单位管理员本人）")
@pass_ctx
@refusals_exit
def user_remove(ctx: Context, user_id: str, reason: str, approved_by: str | None) -> None:
    """注销人员：证书同时注销（记录时间与原因），登记记录与历史保留，用户标识永不再用（第七条）。"""
    from repo_tools import lifecycle
    person = lifecycle.remove(ctx.city, ctx.user, user_id, reason, approved_by)
    emit(ctx, {"user": person.id, "status": person.status, "removed_at": person.removed_at},
         f"已注销人员 {person.id}（{person.name}），{person.removed_at}；其证书同时注销，记录保留")


@unit_group.command("rename")
@click.argument("unit_id")
@click.option("--name", required=True, help="新名称")
@click.option("--from", "from_date", required=True, help="新名称的生效日期（YYYY-MM-DD）")
@click.option("--approved-by", required=True, help="审批人：该单位负责人或系统管理员（书面申请）")
@pass_ctx
@refusals_exit
def unit_rename(ctx: Context, unit_id: str, name: str, from_date: str, approved_by: str) -> None:
    """单位名称变更（第九条第一项）：标识与历史不变，登记新名称及其生效日期。"""
    from repo_tools import lifecycle
    unit = lifecycle.rename(ctx.city, ctx.user, unit_id, name, from_date, approved_by)
    emit(ctx, {"unit": unit.id, "name": unit.name, "names": unit.names},
         f"单位 {unit.id} 自 {unit.names[-1]['from']} 起名称为“{unit.name}”")


@unit_group.command("deregister")
@click.argument("unit_id")
@click.option("--archives-to", required=True, help="档案移交：接收单位标识，或 archives（档案馆）")
@click.option("--approved-by", required=True, help="审批人：该单位负责人或系统管理员（书面申请）")
@click.option("--reason", default="", help="注销原因")
@pass_ctx
@refusals_exit
def unit_deregister(ctx: Context, unit_id: str, archives_to: str, approved_by: str, reason: str) -> None:
    """注销单位（第九条第二项）：名称停用，印章、证书和人员注销，仓库按单位要求移交并只读。"""
    from repo_tools import lifecycle
    unit = lifecycle.deregister(ctx.city, ctx.user, unit_id, archives_to, approved_by, reason)
    emit(ctx, {"unit": unit.id, "status": unit.status, "archives_to": unit.archives_to,
               "deregistered_at": unit.deregistered_at},
         f"已注销单位 {unit.id}（{unit.name}），档案移交 {unit.archives_to}，仓库只读")


@unit_group.command("merge")
@click.argument("unit_ids", nargs=-1, required=True)
@click.option("--into", default=None, help="沿用其名称的单位（参与合并的单位之一）")
@click.option("--new", "new_id", default=None, help="启用新名称时新单位的标识")
@click.option("--name", default=None, help="新单位名称（与 --new 一起）")
@click.option("--code", "codes", multiple=True, help="新单位的机关代字（与 --new 一起）")
@click.option("--level", default="department", type=click.Choice(["city", "county", "township", "department"]))
@click.option("--approved-by", required=True,
              help="审批人：--into 时为沿用名称单位的负责人或管理员；--new 时为上级主管部门的负责人或管理员")
@pass_ctx
@refusals_exit
def unit_merge(ctx: Context, unit_ids: tuple[str, ...], into: str | None, new_id: str | None, name: str | None,
               codes: tuple[str, ...], level: str, approved_by: str) -> None:
    """单位合并（第九条第三项）：沿用一个单位名称或启用经上级批准的新名称，其余单位注销。"""
    from repo_tools import lifecycle
    unit = lifecycle.merge(ctx.city, ctx.user, list(unit_ids), approved_by, into=into, new_id_=new_id,
                           new_name=name, codes=list(codes), level=level)
    emit(ctx, {"unit": unit.id, "name": unit.name, "merged_from": unit.merged_from},
         f"合并完成：{unit.id}（{unit.name}），并入 {'、'.join(unit.merged_from)}")


@unit_group.command("settings")
@click.argument("unit_id")
@click.option("--code", "codes", multiple=True, help="机关代字（给出即整体替换，可多次给出）")
@click.option("--required-approvals", type=int, default=None, help="公文盖章前须有的审核同意人数")
@pass_ctx
@refusals_exit
def unit_settings(ctx: Context, unit_id: str, codes: tuple[str, ...], required_approvals: int | None) -> None:
    """设置本单位的机关代字和审批人数（第十二条：本单位系统管理员或电子政务办公室）。"""
    from repo_tools import lifecycle
    unit = lifecycle.set_settings(ctx.city, ctx.user, unit_id, list(codes) or None, required_approvals)
    emit(ctx, {"unit": unit.id, "codes": unit.codes, "required_approvals": unit.required_approvals},
         f"单位 {unit.id}：机关代字 {'、'.join(unit.codes)}，审批人数 {unit.required_approvals}")
