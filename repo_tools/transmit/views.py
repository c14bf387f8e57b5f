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
from repo_tools.documents.vocabulary import EXTRA_URGENT, URGENT
from repo_tools.messages import say
from repo_tools.transmit import deliveries as transmit

URGENCY_STYLE = {EXTRA_URGENT: "bold white on red", URGENT: "bold red"}


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
    table = Table(
        say("transmit.views.sent_table.1"),
        say("transmit.views.sent_table.2"),
        say("transmit.views.sent_table.3"),
        say("transmit.views.sent_table.4"),
        say("transmit.views.sent_table.5"),
        say("transmit.views.sent_table.6"),
        say("transmit.views.sent_table.7"),
        say("transmit.views.sent_table.8"),
        say("transmit.views.sent_table.9"),
        title=title,
    )
    for r in rows:
        note = r["reason"] or r["register_label"] or ""
        if r.get("resend_of"):
            note = (
                say("transmit.views.sent_table.10", resend_of=r["resend_of"], note=note)
                if note
                else say("transmit.views.sent_table.11", resend_of=r["resend_of"])
            )
        table.add_row(
            r["id"], r["number"], r["to_name"], _urgency(r["urgency"]), _time(r["sent_at"]), _time(r["received_at"]), r["received_by"] or "—", _status(r), note
        )
    return table


def inbox_table(rows: list[dict[str, Any]], title: str) -> Table:
    """The receiver's view: unopened first, urgency marked, overdue flagged."""
    table = Table(
        say("transmit.views.inbox_table.1"),
        say("transmit.views.inbox_table.2"),
        say("transmit.views.inbox_table.3"),
        say("transmit.views.inbox_table.4"),
        say("transmit.views.inbox_table.5"),
        say("transmit.views.inbox_table.6"),
        say("transmit.views.inbox_table.7"),
        say("transmit.views.inbox_table.8"),
        say("transmit.views.inbox_table.9"),
        title=title,
    )
    for r in rows:
        flag = say("transmit.views.inbox_table.10") if r["overdue"] else ""
        table.add_row(
            r["id"],
            r["from_name"],
            r["number"],
            r["title"],
            _urgency(r["urgency"]),
            _time(r["sent_at"]),
            _time(r["received_at"]),
            _status(r) + flag,
            r["register_label"] or r["reason"] or "",
        )
    return table


def show_document(console: Console, row: dict[str, Any], meta: dict[str, Any], body: str, files: list[str]) -> None:
    """The document in its official form, as far as a terminal allows (GB/T 9704 order)."""
    console.rule(
        say(
            "transmit.views.show_document.1",
            id=row["id"],
            from_name=row["from_name"],
            time_sent_at=_time(row["sent_at"]),
            time_received_at=_time(row["received_at"]),
            value=row["received_by"] or "",
        )
    )
    if meta.get("urgency"):
        console.print(f"[bold]{meta['urgency']}[/]")
    console.print(say("transmit.views.show_document.2", from_name=row["from_name"]), justify="center")
    console.print(str(meta.get("number") or ""), justify="center")
    console.rule(style="red")
    console.print(f"[bold]{meta.get('title', '')}[/]", justify="center")
    recipients = meta.get("recipients") or []
    if recipients:
        console.print("、".join(map(str, recipients if isinstance(recipients, list) else [recipients])) + "：")
    console.print(Markdown(body))
    for item in meta.get("attachments") or []:
        if isinstance(item, dict):
            console.print(say("transmit.views.show_document.3", item_get=item.get("title", ""), item_get2=item.get("file", "")))
    console.print(row["from_name"] or "", justify="right")
    if meta.get("date"):
        console.print(timeutil.chinese_date(meta["date"]) if hasattr(meta["date"], "year") else str(meta["date"]), justify="right")
    console.print(say("transmit.views.show_document.4", value=str(row.get("sealing_commit") or "")[:10]), justify="right")
    if meta.get("notes"):
        console.print(f"    （{meta['notes']}）")
    console.rule()
    cc = meta.get("cc") or []
    if cc:
        console.print(say("transmit.views.show_document.5") + "，".join(map(str, cc if isinstance(cc, list) else [cc])) + "。")
    if meta.get("printed_by"):
        printed_on = meta.get("printed_on")
        when = timeutil.chinese_date(printed_on) + say("transmit.views.show_document.6") if isinstance(printed_on, date) else ""
        console.print(f" {meta['printed_by']}    {when}")
    if files:
        console.print(say("transmit.views.show_document.7", value_join="、".join(files)))
