"""Chapter: units and people over their whole life (Art. 7, 9, 12, 14) and a fault handled on
paper (Art. 44-45). A unit admin sets up their own unit and is refused another's; the
education bureau is renamed; two offices merge under a new name approved by the superior; an
abolished office is deregistered with its archives handed to the archives, and its repository
refuses every push; a fault goes two hours without a fix and the paper notice is printed. At the
end every document sealed before all this, the 2013 regulation first, still verifies."""
from __future__ import annotations

from datetime import timedelta

from repo_tools import city as city_mod
from repo_tools import incident, lifecycle, timeutil
from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.messages import Refused
from repo_tools.transmit import deliveries as transmit
from repo_tools.verify.report import document_report, verify

NEW_UNITS = [("xxzx", "六安市信息中心", ["六信"]), ("dsj", "六安市数据资源局", ["六数"]),
             ("aiwei", "六安市爱国卫生运动委员会办公室", ["六爱卫"])]


def _admin_of(state: DemoState, unit: str) -> str | None:
    return next((p["id"] for p in state.sample["people"] if p["unit"] == unit and "admin" in p["roles"]), None)


def run(state: DemoState) -> None:
    city = state.city
    admin = state.facts.get("admin", "admin")
    state.chapter("单位与人员的全生命周期（第七、九、十二、十四条）与故障处理（第四十四、四十五条）")
    unit_admin = _admin_of(state, "lagov")
    if unit_admin is None:
        state.console.print("[yellow]跳过：示例城市中市政府办公室没有系统管理员。[/]")
        return

    # Art. 12: the unit admin manages their own unit, and only it.
    clerk = next(p.id for p in city.registry().with_role("lagov", "clerk"))
    lifecycle.set_roles(city, unit_admin, clerk, ["clerk", "archivist"])
    state.ok(f"本单位系统管理员 {unit_admin} 调整 {clerk} 的角色为 收文员、档案员（第十二条，登记系统钩子核对其只改本单位）")
    other = next(p.id for p in city.registry().members("jyj"))
    try:
        lifecycle.set_roles(city, unit_admin, other, ["author"])
    except Refused as exc:
        state.refused(f"{unit_admin} 试图调整教育局人员 {other} 的角色", exc.text())

    # Art. 9(1): a change of name.
    jyj = city.registry().unit("jyj")
    if jyj is not None and jyj.leader:
        unit = lifecycle.rename(city, admin, "jyj", "六安市教育和体育局", timeutil.iso(timeutil.now()),
                                approved_by=jyj.leader)
        state.ok(f"单位更名：jyj “六安市教育局” → “{unit.name}”（负责人 {jyj.leader} 书面申请，电子政务办办理；标识与历史不变）")

    # Three offices for the rest of the story (registered by the e-gov office, Art. 6).
    for unit_id, name, codes in NEW_UNITS:
        city_mod.add_unit(city, admin, unit_id, name, codes)
    city_mod.add_user(city, admin, "aiweiadm", "邹平", "aiwei", ["admin"])
    state.ok("登记 " + "、".join(n for _, n, _ in NEW_UNITS) + "，及爱卫办的系统管理员 aiweiadm")

    # Art. 9(3): a merger under a new name needs the superior's approval.
    try:
        lifecycle.merge(city, admin, ["xxzx", "dsj"], "aiweiadm", new_id_="sjzx", new_name="六安市数据资源管理局",
                        codes=["六数管"])
    except Refused as exc:
        state.refused("合并启用新名称，由非上级主管部门人员审批", exc.text())
    merged = lifecycle.merge(city, admin, ["xxzx", "dsj"], unit_admin, new_id_="sjzx",
                             new_name="六安市数据资源管理局", codes=["六数管"])
    state.ok(f"单位合并：信息中心与数据资源局合并为 {merged.name}（{merged.id}），上级主管部门（市政府办公室）"
             f"{unit_admin} 签署意见；原两单位注销，档案移交新单位")

    # Art. 9(2): deregistration, archives to the archives, the repository read-only.
    work = clone(city, "aiwei", state.work_dir("aiwei-before"), "aiweiadm")
    lifecycle.deregister(city, admin, "aiwei", "archives", approved_by="aiweiadm", reason="机构撤销")
    state.ok("注销爱卫办：名称停用，电子印章、数字证书和人员同时注销，仓库历史打包移交档案馆（handover/aiwei.bundle）")
    (work / "note.md").write_text("注销后仍试图推送。\n", encoding="utf-8")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", "注销后的提交")
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/after", check=False)
    if proc.returncode == 0:
        raise RuntimeError("已注销单位的仓库本应拒绝推送")
    lines = [line.removeprefix("remote: ").rstrip() for line in proc.stderr.splitlines()]
    start = next((i for i, line in enumerate(lines) if "unit-deregistered" in line), 0)
    end = next((i for i in range(start, len(lines)) if "处理办法" in lines[i]), start)
    detail = "\n".join(lines[start:end + 1])
    state.refused("向已注销单位的仓库推送", detail)

    # Art. 44-45: a fault, the one-hour response, the paper notice after two hours.
    since = timeutil.now() - timedelta(hours=2, minutes=5)
    waiting = _leave_one_waiting(state)
    fault = incident.open_incident(city, unit_admin, "各单位无法推送和签收公文", since=since)
    incident.respond(city, admin, fault.id, now=since + timedelta(minutes=30))
    out = state.root / "incident-notice.pdf"
    notice = incident.write_notice(city, admin, fault.id, out)
    state.ok(f"故障 {fault.id}：{timeutil.iso(since)[:16]} 报告，30 分钟内响应，2 小时仍未排除 → "
             f"纸质通知 {out.name}（致 {len(notice['units'])} 个单位，附待处理公文打印件 {notice['waiting']} 件"
             f"{'：' + waiting if waiting else ''}）")
    incident.resolve(city, admin, fault.id)
    state.ok(f"故障 {fault.id} 排除，站点横幅随之撤下")

    # History stays true (the witnesses first cosign this chapter's pushes: trusted time needs them).
    state.witness()
    sealed = state.facts.get("sealed", [])
    for item in sealed:
        report = document_report(city, item["unit"], item["path"])
        if not report["ok"]:
            raise RuntimeError(f"{item['number']} 验证未通过：{report['problems']}")
    regulation = next((s for s in sealed if s["unit"] == "lagov"), None)
    if regulation:
        state.ok(f"全部 {len(sealed)} 份已盖章公文仍然验证通过，包括 {regulation['number']}：签名按盖章时的单位、"
                 "人员和角色判断")
    registry = verify(city, "lagov")
    if not registry["ok"]:
        raise RuntimeError("市政府办公室的验证报告未通过")
    state.fact("单位更名、合并、注销和人员变动之后，2013 年的办法仍然验证通过；故障按第四十五条改用纸质通知")


def _leave_one_waiting(state: DemoState) -> str:
    """Send one sealed document to a unit that leaves it unopened, so the notice has a copy."""
    city = state.city
    for item in state.facts.get("sealed", []):
        reg = city.registry()
        sender = next((p.id for p in reg.with_role(item["unit"], "clerk")), None) or \
            next((p.id for p in reg.with_role(item["unit"], "seal-custodian")), None)
        for unit_id in ("jaq", "czj", "jyj", "lagov"):
            if unit_id == item["unit"] or sender is None or not reg.with_role(unit_id, "clerk"):
                continue
            try:
                transmit.send(city, sender, item["path"], to=[unit_id])
                return f"{item['number']} → {reg.units[unit_id].name}"
            except Refused:
                continue
    return ""
