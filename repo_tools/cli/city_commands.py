"""`oa init`, `oa unit ...`, `oa user ...`, `oa clone`, `oa log verify`."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .. import city as city_mod
from .. import eventlog
from ..clone import clone as clone_unit
from ..registry import ROLE_NAMES, ROLES
from .context import Context, emit, pass_ctx, refusals_exit


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
    rows = [{"id": u.id, "name": u.name, "codes": u.codes, "status": u.status, "leader": u.leader,
             "members": len(reg.members(u.id))} for u in reg.units.values()]
    if ctx.json:
        emit(ctx, rows)
        return
    table = Table("单位", "名称", "机关代字", "负责人", "人数", "状态")
    for r in rows:
        table.add_row(r["id"], r["name"], "、".join(r["codes"]), r["leader"] or "—", str(r["members"]), r["status"])
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
    rows = [{"id": p.id, "name": p.name, "unit": p.unit, "roles": p.roles, "status": p.status} for p in people]
    if ctx.json:
        emit(ctx, rows)
        return
    table = Table("人员", "姓名", "单位", "角色", "状态")
    for r in rows:
        table.add_row(r["id"], r["name"], r["unit"], "、".join(ROLE_NAMES[x] for x in r["roles"]), r["status"])
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
        from ..server.remote import clone_over_ssh
        target = clone_over_ssh(unit_id, directory, ctx.user)
    else:
        target = clone_unit(ctx.city, unit_id, directory, ctx.user)
    emit(ctx, {"directory": str(target)}, f"已克隆到 {target}（以 {ctx.user} 的身份签名提交与推送）")


@click.group("log")
def log_group() -> None:
    """事件日志（哈希链）。"""


@log_group.command("verify")
@pass_ctx
@refusals_exit
def log_verify(ctx: Context) -> None:
    """检查事件日志的哈希链：任何改动、删除或调换的行都会被发现。"""
    city = ctx.city
    problems = eventlog.verify(city.log_file)
    count = sum(1 for _ in eventlog.read(city.log_file)) if not problems else None
    if ctx.json:
        emit(ctx, {"ok": not problems, "problems": [p.__dict__ for p in problems], "events": count})
    elif problems:
        for p in problems:
            click.echo(f"✗ 第 {p.line} 行：{p.message}", err=True)
    else:
        click.echo(f"✓ 事件日志完整：{count} 条事件，哈希链无断裂。")
    if problems:
        raise SystemExit(1)


COMMANDS = [init_cmd, unit_group, user_group, clone_cmd, log_group]
