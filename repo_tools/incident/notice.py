"""Art. 45: two hours without a fix, the e-gov office notifies every unit on paper so that work
goes on. The notice is a 函 in the GB/T 9704 layout (the same official form `oa doc render`
prints), followed by a printable copy of every delivery still waiting in an inbox (not yet
opened, or opened but not registered), so that receiving clerks can handle them on paper."""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.documents import markup, official_form, render
from repo_tools.incident.clock import EVENT, Incident, _lock, _require_office, carried_by_push, find
from repo_tools.incident.vocabulary import STATUS_WORDS as STATUS_WORDS
from repo_tools.messages import Refused, say
from repo_tools.registry.records import EGOV
from repo_tools.seal import image as seal_image
from repo_tools.transmit import deliveries as transmit

WAITING = ("sent", "received")


def waiting_deliveries(city: City) -> list[tuple[str, transmit.Delivery]]:
    """(receiving unit, delivery) for every delivery not yet opened or registered."""
    reg = city.registry()
    found = []
    for unit_id, unit in sorted(reg.units.items()):
        if unit.status != "active" or not city.unit_repo(unit_id).is_dir():
            continue
        for delivery in transmit.deliveries_in(city, unit_id):
            if delivery.status in WAITING:
                found.append((unit_id, delivery))
    return found


def notice_meta(city: City, incident: Incident, moment: datetime, waiting: int) -> tuple[dict[str, Any], str, str]:
    """(front matter, Markdown body, issuing office's name) of the notice."""
    reg = city.registry()
    office = reg.unit(EGOV)
    office_name = office.name if office else say("incident.notice.notice_meta.1")
    code = office.codes[0] if office and office.codes else say("incident.notice.notice_meta.2")
    recipients = [u.name for uid, u in sorted(reg.units.items()) if uid != EGOV and u.status == "active"]
    cst = timeutil.CST

    def clock(value: datetime) -> str:
        local = value.astimezone(cst)
        return say("incident.notice.clock.1",
                   timeutil_chinese_date=timeutil.chinese_date(local.date()), hour=local.hour, minute=local.minute)
    body = (
        say("incident.notice.notice_meta.3",
            clock_since=clock(incident.since), summary=incident.summary, clock_escalate_at=clock(incident.escalate_at),
            waiting=waiting, id=incident.id, timeutil_iso=timeutil.iso(incident.since))
    )
    meta: dict[str, Any] = {
        "type": say("incident.notice.notice_meta.4"), "title": say("incident.notice.notice_meta.5"),
        "number": say("incident.notice.notice_meta.6",
                      code=code, year=moment.astimezone(cst).year, id=incident.id),
        "recipients": recipients or [say("incident.notice.notice_meta.7")], "date": moment.astimezone(cst).date(),
        "cc": [say("incident.notice.notice_meta.8")], "printed_by": office_name, "printed_on": moment.astimezone(cst).date(),
        "notes": say("incident.notice.notice_meta.9"),
    }
    return meta, body, office_name


def _waiting_table(rows: list[tuple[str, transmit.Delivery]], names: dict[str, str]) -> str:
    """The list of waiting deliveries as a Markdown table (the notice's own page)."""
    lines = [say("incident.notice._waiting_table.1"), "|---|---|---|---|---|---|---|"]
    for n, (unit, d) in enumerate(rows, 1):
        cells = [str(n), names.get(unit, unit), names.get(d.from_unit, d.from_unit), str(d.record.get("number") or ""),
                 str(d.record.get("title") or ""), (d.sent_at or "")[:16].replace("T", " "), STATUS_WORDS[d.status]]
        lines.append("| " + " | ".join(c.replace("|", "｜") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _pdf(page: str, folder: Path, out: Path) -> None:
    from weasyprint import HTML
    HTML(string=page, base_url=folder.as_uri() + "/", url_fetcher=render._local_fetcher(folder)).write_pdf(out)


def write_notice(city: City, actor: str, ident: str, pdf: str | Path, now: datetime | None = None) -> dict[str, Any]:
    """Write the paper notice (and the waiting deliveries' copies after it) to `pdf`; refused
    unless the incident is escalated at `now`. Logged with the file's SHA-256."""
    from pypdf import PdfReader, PdfWriter

    moment = now or timeutil.now()
    reg = city.registry()
    _require_office(reg, actor, say("incident.notice.write_notice.1"))
    if carried_by_push(city):  # every unit's waiting deliveries: only the service sees them all
        raise Refused("incident-notice-by-service")
    incident = find(city, ident)
    status = incident.status(moment)
    if status != "escalated":
        raise Refused("incident-state", id=ident,
                      detail=say("incident.notice.write_notice.2",
                                 status=status, timeutil_iso=timeutil.iso(incident.escalate_at)),
                      remedy=say("incident.notice.write_notice.3"))
    rows = waiting_deliveries(city)
    names = {uid: u.name for uid, u in reg.units.items()}
    meta, body, office_name = notice_meta(city, incident, moment, len(rows))
    meta["attachments"] = [{"title": say("incident.notice.write_notice.4"), "file": "waiting.md"}]
    target = Path(pdf)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="oa-notice-"))
    try:
        table = markup.to_safe_html(_waiting_table(rows, names)) if rows else f'<p>{say("incident.notice.write_notice.5")}</p>'
        fragment = official_form.render_official_html(meta, markup.to_safe_html(body), office_name,
                                                      attachment_pages={"waiting.md": table})
        page = (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(meta["title"])}</title>'
                f"<style>{official_form.stylesheet()}</style></head><body>{fragment}</body></html>")
        parts = [work / "notice.pdf"]
        _pdf(page, work, parts[0])
        for n, (_unit, delivery) in enumerate(rows, 1):
            folder = transmit.export_document(city, delivery, work / f"d{n}")
            sender = reg.unit(delivery.from_unit)
            name = sender.name if sender else str(delivery.record.get("from_name") or delivery.from_unit)
            seal = seal_image.seal_svg(name, sender.level) if sender else None
            parts.append(render.render_pdf(folder, work / f"d{n}.pdf", unit_name=name, seal_svg=seal))
        writer = PdfWriter()
        for part in parts:
            writer.append(PdfReader(str(part)))
        with target.open("wb") as handle:
            writer.write(handle)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    units = [u for u in meta["recipients"]]
    with _lock(city):
        city.log(EVENT, action="notice", id=ident, at=timeutil.iso(moment), by=actor, file=target.name,
                 sha256=digest, units=units, waiting=len(rows))
    return {"id": ident, "pdf": str(target), "sha256": digest, "units": units, "waiting": len(rows),
            "deliveries": [{"unit": u, "id": d.id, "number": d.record.get("number"), "status": d.status}
                           for u, d in rows]}


__all__ = ["write_notice", "waiting_deliveries", "notice_meta"]
