"""Chapter: transmission and receipt (公文传输, Art. 27-29). The sealed regulation notice goes
from 六安市人民政府办公室 to two units; one clerk opens and registers it, the other returns it
with a reason; the sender resends; both sides' views are printed with their trusted times."""
from __future__ import annotations

from typing import Any

from repo_tools.demo.state import DemoState
from repo_tools.messages import Refused
from repo_tools.transmit import deliveries as transmit
from repo_tools.transmit.views import inbox_table, sent_table, show_document

NOTICE = "documents/2013/oa-measures"
PREFERRED_RECEIVERS = ["jyj", "czj", "jaq"]


def _pick_sealed(state: DemoState) -> dict[str, Any] | None:
    sealed = [s for s in state.facts.get("sealed", []) if str(s.get("path", "")).startswith("documents/")]
    return next((s for s in sealed if s["unit"] == "lagov" and s["path"] == NOTICE),
                next((s for s in sealed if s["unit"] == "lagov"), sealed[0] if sealed else None))


def _first(people: list[Any]) -> str | None:
    return people[0].id if people else None


def run(state: DemoState) -> None:
    state.chapter("公文传输：发送、签收、登记、退文与重发（第二十七至二十九条）")
    chosen = _pick_sealed(state)
    if chosen is None:
        state.console.print("[yellow]跳过：本演示中还没有盖章发布的公文（需要审核与盖章章节）。[/]")
        return
    city = state.city
    reg = city.registry()
    sender_unit, path = chosen["unit"], chosen["path"]
    sender = _first(reg.with_role(sender_unit, "seal-custodian")) or _first(reg.with_role(sender_unit, "clerk"))
    author = _first([p for p in reg.with_role(sender_unit, "author")
                     if not {"clerk", "seal-custodian"} & set(p.roles)])
    receivers = [u for u in PREFERRED_RECEIVERS if u in reg.units and u != sender_unit
                 and reg.with_role(u, "clerk")][:2]
    if sender is None or len(receivers) < 2:
        state.console.print("[yellow]跳过：示例城市缺少印章保管人或两个设有收文员的接收单位。[/]")
        return
    first_unit, second_unit = receivers
    first_clerk = _first(reg.with_role(first_unit, "clerk"))
    second_clerk = _first(reg.with_role(second_unit, "clerk"))
    assert first_clerk and second_clerk

    if author:
        try:
            transmit.send(city, author, path, to=receivers)
        except Refused as exc:
            state.refused(f"拟稿人 {author} 试图发送公文", exc.text())

    result = transmit.send(city, sender, path, to=receivers)
    sent = {d.to_unit: d for d in result.deliveries}
    for d in result.deliveries:
        row = d.as_json()
        state.ok(f"{sender} 发送 {row['number']}《{row['title']}》→ {row['to_name']}（传输编号 {row['id']}，"
                 f"传输时间 {row['sent_at']}）：无父提交的签名传输推送到本单位发件箱 {d.ref}，文件树与 main 上"
                 f"盖章版本相同，本单位钩子核对通过；服务器把同一提交投递到对方收件箱 refs/inbox/{sender_unit}/{row['id']}"
                 "（任何人都不读写其他单位的仓库）")

    opened, first = transmit.open_delivery(city, first_clerk, sent[first_unit].id)
    meta, body, files = transmit.document_of(city, opened)
    show_document(state.console, opened.as_json(), meta, body, files)
    state.ok(f"{reg.units[first_unit].name}收文员 {first_clerk} 首次打开即签收：签收时间 "
             f"{opened.as_json()['received_at']}")
    again, first_again = transmit.open_delivery(city, first_clerk, sent[first_unit].id)
    state.ok(f"再次打开不改变签收记录（签收时间仍为 {again.as_json()['received_at']}）")
    registered = transmit.register(city, first_clerk, sent[first_unit].id).as_json()
    state.ok(f"{first_clerk} 登记为 {registered['register_label']}：来文单位 {registered['from_name']}，"
             f"文号 {registered['number']}，紧急程度 {registered['urgency'] or '—'}")

    transmit.open_delivery(city, second_clerk, sent[second_unit].id)
    reason = "经审核，本单位不在主送范围，且附件缺页，请核对后重发。"
    transmit.answer(city, second_clerk, sent[second_unit].id, "returned", reason)
    state.ok(f"{reg.units[second_unit].name}收文员 {second_clerk} 审核后退文，理由：{reason}")

    resent = transmit.send(city, sender, None, resend=sent[second_unit].id).deliveries[0]
    state.ok(f"{sender} 重发（新传输 {resent.id}，注明重发 {sent[second_unit].id}）")
    transmit.open_delivery(city, second_clerk, resent.id)
    label = transmit.register(city, second_clerk, resent.id).as_json()["register_label"]
    state.ok(f"{second_clerk} 签收并登记重发件：{label}")

    for unit in receivers:
        rows = [d.as_json() for d in transmit.inbox_order(transmit.deliveries_in(city, unit))]
        state.console.print(inbox_table(rows, f"收文箱（收文登记簿）：{reg.units[unit].name}"))
    rows = [d.as_json() for d in transmit.sent_by(city, sender_unit)]
    state.console.print(sent_table(rows, f"发文登记簿：{reg.units[sender_unit].name}（发送方看到签收、登记与退文）"))
    state.facts["deliveries"] = rows
    state.fact(f"公文传输：{len(rows)} 次传输；传输时间与签收时间均取自事件日志（推送时刻），双方看到同样的时间")
