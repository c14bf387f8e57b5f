"""Deliveries in the terminal: the sender's and the receiver's registers as tables, and a
delivered document in its official order. Shared by `oa sent` / `oa inbox` and the demo, which
shows what a clerk sees without importing the command line.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from repo_tools import timeutil
from repo_tools.transmit import deliveries as transmit

URGENCY_STYLE = {"特急": "bold white on red", "加急": "bold red"}


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
