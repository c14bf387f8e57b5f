"""`oa send`, `oa sent`, `oa inbox ...`: transmission and receipt (Art. 27-29)."""
from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from repo_tools import timeutil
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.documents import render
from repo_tools.git.repo import git
from repo_tools.messages import Refused
from repo_tools.seal import image as seal_image
from repo_tools.transmit import deliveries as transmit

URGENCY_STYLE = {"特急": "bold white on red", "加急": "bold red"}


def _json_flag(ctx: Context, as_json: bool) -> None:
    if as_json:
        ctx.json = True


def _repo_relative(path: str) -> str:
    """A path typed in a clone (relative to the working directory) as a path in the repository."""
    candidate = Path(path)
    if candidate.exists():
        top = git("rev-parse", "--show-toplevel", cwd=candidate if candidate.is_dir() else candidate.parent,
                  check=False).strip()
        if top:
            return transmit.normalize_path(str(candidate.resolve().relative_to(Path(top).resolve())))
    return transmit.normalize_path(path)


def _time(text: str | None) -> str:
    moment = timeutil.parse(text) if text else None
    return moment.astimezone(timeutil.CST).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _urgency(value: str | None) -> str:
    return f"[{URGENCY_STYLE[value]}]{value}[/]" if value in URGENCY_STYLE else ""


def _status(row: dict[str, Any]) -> str:
    name = transmit.STATUS_NAMES[row["status"]]
    if row["status"] in ("returned", "resend-requested"):
        return f"[red]{name}[/]"
    if row["status"] == "sent":
        return f"[bold]{name}[/]"
    return name


@click.command("send")
@click.argument("path", required=False)
@click.option("--to", "to", multiple=True, help="接收单位标识，可多次给出（默认：主送、抄送中已登记的单位）")
@click.option("--resend", default=None, help="重发被退文或请求重发的传输（给出其编号）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_ctx
@refusals_exit
def send_cmd(ctx: Context, path: str | None, to: tuple[str, ...], resend: str | None, as_json: bool) -> None:
    """发送已盖章的公文（第二十八条：发送完成时间即传输时间）。"""
    _json_flag(ctx, as_json)
    result = transmit.send(ctx.city, ctx.user, _repo_relative(path) if path else None, to, resend)
    rows = [d.as_json() for d in result.deliveries]
    if ctx.json:
        emit(ctx, {"sent": rows, "unmatched": result.unmatched, "skipped": result.skipped,
                   "queued": result.queued})
        return
    for name in result.unmatched:
        click.echo(f"! 主送或抄送中的“{name}”不是已登记的单位，未发送（如需发送请用 --to 指定）。", err=True)
    for unit in result.skipped:
        click.echo(f"! 不向本单位（{unit}）发送。", err=True)
    for row in rows:
        extra = f"（重发 {row['resend_of']}）" if row.get("resend_of") else ""
        if row.get("queued"):
            click.echo(f"… 已进入发件箱 {row['number']}《{row['title']}》→ {row['to_name']}：传输编号 {row['id']}。"
                       "对方尚未登记收文员（第二十七条），登记后由服务器自动投递。")
            continue
        click.echo(f"✓ 已发送 {row['number']}《{row['title']}》→ {row['to_name']}：传输编号 {row['id']}，"
                   f"传输时间 {_time(row['sent_at'])}{extra}")


@click.command("sent")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_ctx
@refusals_exit
def sent_cmd(ctx: Context, as_json: bool) -> None:
    """本单位已发送的公文及对方的签收、登记、退文情况（发文登记簿）。"""
    _json_flag(ctx, as_json)
    reg = ctx.city.registry()
    person = reg.person(ctx.user)
    if person is None:
        raise Refused("not-found", what="人员", name=ctx.user, remedy="请检查 --as 指定的用户标识。")
    rows = [d.as_json() for d in transmit.sent_by(ctx.city, person.unit)]
    if ctx.json:
        emit(ctx, rows)
        return
    Console().print(sent_table(rows, f"发文登记簿：{reg.units[person.unit].name}"))


def sent_table(rows: list[dict[str, Any]], title: str) -> Table:
    """The sender's view: each delivery with its receipt, registration or return."""
    table = Table("编号", "文号", "接收单位", "紧急", "传输时间", "签收时间", "签收人", "状态", "理由或收文编号",
                  title=title)
    for r in rows:
        note = r["reason"] or r["register_label"] or ""
        if r.get("resend_of"):
            note = f"重发 {r['resend_of']}；{note}" if note else f"重发 {r['resend_of']}"
        table.add_row(r["id"], r["number"], r["to_name"], _urgency(r["urgency"]), _time(r["sent_at"]),
                      _time(r["received_at"]), r["received_by"] or "—", _status(r), note)
    return table


@click.group("inbox")
def inbox_group() -> None:
    """收文：签收、登记、退文、请求重发（第二十七、二十九条）。"""


@inbox_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_ctx
@refusals_exit
def inbox_list(ctx: Context, as_json: bool) -> None:
    """本单位收到的公文：未签收的在前，特急、加急标出，超期的标红。"""
    _json_flag(ctx, as_json)
    unit, found = transmit.inbox(ctx.city, ctx.user)
    rows = [d.as_json() for d in found]
    if ctx.json:
        emit(ctx, rows)
        return
    Console().print(inbox_table(rows, f"收文箱：{ctx.city.registry().units[unit].name}"))
    if not rows:
        click.echo("收文箱为空。")


def inbox_table(rows: list[dict[str, Any]], title: str) -> Table:
    """The receiver's view: unopened first, urgency marked, overdue flagged."""
    table = Table("编号", "来文单位", "文号", "标题", "紧急", "传输时间", "签收时间", "状态", "收文编号或理由",
                  title=title)
    for r in rows:
        flag = " [bold red]超期[/]" if r["overdue"] else ""
        table.add_row(r["id"], r["from_name"], r["number"], r["title"], _urgency(r["urgency"]),
                      _time(r["sent_at"]), _time(r["received_at"]), _status(r) + flag,
                      r["register_label"] or r["reason"] or "")
    return table


def show_document(console: Console, row: dict[str, Any], meta: dict[str, Any], body: str,
                  files: list[str]) -> None:
    """The document in its official form, as far as a terminal allows (GB/T 9704 order)."""
    console.rule(f"传输 {row['id']}  来文单位：{row['from_name']}  传输时间：{_time(row['sent_at'])}  "
                 f"签收：{_time(row['received_at'])} {row['received_by'] or ''}")
    if meta.get("urgency"):
        console.print(f"[bold]{meta['urgency']}[/]")
    console.print(f"[bold red]{row['from_name']}文件[/]", justify="center")
    console.print(str(meta.get("number") or ""), justify="center")
    console.rule(style="red")
    console.print(f"[bold]{meta.get('title', '')}[/]", justify="center")
    recipients = meta.get("recipients") or []
    if recipients:
        console.print("、".join(map(str, recipients if isinstance(recipients, list) else [recipients])) + "：")
    console.print(Markdown(body))
    for item in meta.get("attachments") or []:
        if isinstance(item, dict):
            console.print(f"    附件：{item.get('title', '')}（{item.get('file', '')}）")
    console.print(row["from_name"] or "", justify="right")
    if meta.get("date"):
        console.print(timeutil.chinese_date(meta["date"]) if hasattr(meta["date"], "year") else str(meta["date"]),
                      justify="right")
    console.print(f"[red]（电子印章：见盖章合并 {str(row.get('sealing_commit') or '')[:10]}）[/]", justify="right")
    if meta.get("notes"):
        console.print(f"    （{meta['notes']}）")
    console.rule()
    cc = meta.get("cc") or []
    if cc:
        console.print(" 抄送：" + "，".join(map(str, cc if isinstance(cc, list) else [cc])) + "。")
    if meta.get("printed_by"):
        printed_on = meta.get("printed_on")
        when = timeutil.chinese_date(printed_on) + "印发" if isinstance(printed_on, date) else ""
        console.print(f" {meta['printed_by']}    {when}")
    if files:
        console.print(f"[dim]随文文件：{'、'.join(files)}[/]")


def print_delivery(ctx: Context, row: dict[str, Any], folder: Path, out: Path) -> Path:
    """The delivered document's print form (Art. 29(3): a printed copy counts as paper) with the
    sending unit's seal image: the delivery only exists because the sealing merge was verified."""
    sender = ctx.city.registry().unit(row["from"])
    name = sender.name if sender else row["from_name"]
    seal = seal_image.seal_svg(name, sender.level) if sender else None
    proofs = delivery_proofs(ctx, row)
    for file_name, data in proofs.items():  # beside the PDF too, for readers without attachments
        out.with_name(f"{out.stem}.{file_name}").write_bytes(data)
    return render.render_pdf(folder, out, unit_name=name, seal_svg=seal, attachments=proofs)


def delivery_proofs(ctx: Context, row: dict[str, Any]) -> dict[str, bytes]:
    """The log's offline proofs (tlog-proof) of the sealing push and of the delivery push."""
    from repo_tools.log import policy, proof
    keys = policy.load(ctx.city.registry_repo)
    wanted = {"sealing.tlog-proof": (row.get("sealing_commit"), row.get("from")),
              "transmission.tlog-proof": (row.get("commit"), row.get("from"))}
    out: dict[str, bytes] = {}
    for file_name, (oid, unit) in wanted.items():
        if not oid:
            continue
        try:
            out[file_name] = proof.make(ctx.city.log_file, keys, str(oid), str(unit) if unit else None).encode().encode()
        except Refused:
            continue
    return out


@inbox_group.command("open")
@click.argument("ident")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False), default=None, help="打印为 PDF（纸质件）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出传输状态")
@pass_ctx
@refusals_exit
def inbox_open(ctx: Context, ident: str, pdf_out: str | None, as_json: bool) -> None:
    """查看公文；收文员首次打开即签收（签收时间 = 首次打开的时间）。"""
    _json_flag(ctx, as_json)
    delivery, first = transmit.open_delivery(ctx.city, ctx.user, ident)
    row = delivery.as_json()
    meta, body, files = transmit.document_of(ctx.city, delivery)
    if pdf_out:
        folder = Path(tempfile.mkdtemp(prefix="oa-p"))
        try:
            transmit.export_document(ctx.city, delivery, folder)
            print_delivery(ctx, {**row, "commit": delivery.commit,
                                 "sealing_commit": delivery.record.get("sealing_commit")}, folder, Path(pdf_out))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if ctx.json:
        emit(ctx, {**row, "first_open": first, "pdf": pdf_out})
        return
    show_document(Console(), row, meta, body, files)
    if first:
        click.echo(f"✓ 已签收：签收时间 {_time(row['received_at'])}（首次打开，已签名记录并写入日志）")
    else:
        click.echo(f"（此前已于 {_time(row['received_at'])} 由 {row['received_by']} 签收，本次打开不改变签收记录）")
    if pdf_out:
        click.echo(f"✓ 已输出 PDF：{pdf_out}")


@inbox_group.command("register")
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_ctx
@refusals_exit
def inbox_register(ctx: Context, ident: str, as_json: bool) -> None:
    """登记：本单位本年度收文编号、来文单位、文号、标题、紧急程度、收文时间。"""
    _json_flag(ctx, as_json)
    row = transmit.register(ctx.city, ctx.user, ident).as_json()
    emit(ctx, row, f"✓ 已登记 {row['register_label']}：{row['from_name']} {row['number']}《{row['title']}》"
                   f"{' ' + row['urgency'] if row['urgency'] else ''}，收文时间 {_time(row['received_at'])}")


def _answer(ctx: Context, ident: str, reason: str, action: str) -> None:
    row = transmit.answer(ctx.city, ctx.user, ident, action, reason).as_json()
    emit(ctx, row, f"✓ 已{transmit.ACTION_VERBS[action]}：{row['number']}《{row['title']}》，理由：{row['reason']}"
                   f"（{row['from_name']}可在 `oa sent` 中看到）")


@inbox_group.command("return")
@click.argument("ident")
@click.option("--reason", required=True, help="退文理由")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_ctx
@refusals_exit
def inbox_return(ctx: Context, ident: str, reason: str, as_json: bool) -> None:
    """退文：经审核不符合要求的公文退回发文单位，并写明理由。"""
    _json_flag(ctx, as_json)
    _answer(ctx, ident, reason, "returned")


@inbox_group.command("resend-request")
@click.argument("ident")
@click.option("--reason", required=True, help="请求重发的理由（如文件损坏、无法打开）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_ctx
@refusals_exit
def inbox_resend_request(ctx: Context, ident: str, reason: str, as_json: bool) -> None:
    """接收失败时请求发文单位重发（第二十九条）。"""
    _json_flag(ctx, as_json)
    _answer(ctx, ident, reason, "resend-requested")


COMMANDS = [send_cmd, sent_cmd, inbox_group]
