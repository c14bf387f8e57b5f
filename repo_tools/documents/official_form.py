"""The GB/T 9704-2012 form of a 公文 as an HTML fragment: the print form (PDF, Art. 29(3), 45)
and the site's document page both use it, styled by `site_templates/assets/official.css`.

Order of the elements (条例 Art. 9): 紧急程度, 发文机关标志, 发文字号 (and 签发人 on upward
documents), the red separator, 标题, 主送机关, 正文, 附件说明, 署名 and 成文日期 with the seal
pressing on them, 附注, the attachments each on a new page, then the 版记 (抄送, 印发机关 and
印发日期). Every value from the document is escaped; the body must already be safe HTML
(`markup.to_safe_html`).
"""
from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import Any

from repo_tools import timeutil
from repo_tools.documents.vocabulary import DOC_TYPES as DOC_TYPES
from repo_tools.documents.vocabulary import LETTER, MINUTES, ORDER, ORDER_SHORT
from repo_tools.documents.vocabulary import TITLE_WORDS as TITLE_WORDS
from repo_tools.messages import say
from repo_tools.resources import project_path

CSS_PATH = project_path("site_templates") / "assets" / "official.css"


def _day(value: Any) -> str:
    """A date in the GB/T 9704 form (2013年3月20日); text that is no date is shown as it is."""
    if isinstance(value, date):
        return timeutil.chinese_date(value)
    try:
        return timeutil.chinese_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [str(v) for v in value if str(v).strip()]


_BREAK_BEFORE = re.compile(rf"关于|[（(《「]|的(?=(?:{DOC_TYPES})$)")
_BREAK_AFTER = re.compile(r"关于|[、，；：）)》」]|(?<=[\u4e00-\u9fff]{2})[省市县区镇乡](?=[\u4e00-\u9fff]{2})|"
                          + "|".join(sorted(TITLE_WORDS, key=len, reverse=True)))
LONG_SEGMENT = 12  # a longer run without a break point may still wrap anywhere rather than overflow


def title_segments(title: str) -> list[str]:
    """The title cut at the points where a line may end without splitting a word."""
    points = {m.start() for m in _BREAK_BEFORE.finditer(title)}
    points |= {m.end() for m in _BREAK_AFTER.finditer(title)}
    cuts = sorted(p for p in points if 0 < p < len(title))
    return [title[a:b] for a, b in zip([0, *cuts], [*cuts, len(title)], strict=True) if title[a:b]]


def title_html(title: str) -> str:
    """The title as unbreakable segments with break opportunities (<wbr>) between them."""
    parts = []
    for segment in title_segments(title):
        cls = "od-seg od-seg-long" if len(segment) > LONG_SEGMENT else "od-seg"
        parts.append(f'<span class="{cls}">{escape(segment)}</span>')
    return "<wbr>".join(parts)


def issuer_heading(doc_type: str, unit_name: str) -> str:
    """发文机关标志: `<机关>文件`; a 函 (信函格式) carries the name alone, 命令 `<机关>令`, 纪要 `<机关>纪要`."""
    if doc_type == LETTER:
        return unit_name
    if doc_type in (ORDER, ORDER_SHORT):
        return say("documents.official_form.issuer_heading.3", unit_name=unit_name)
    if doc_type == MINUTES:
        return say("documents.official_form.issuer_heading.4", unit_name=unit_name)
    return say("documents.official_form.issuer_heading.5", unit_name=unit_name)


def render_official_html(meta: dict[str, Any], body_html: str, unit_name: str, seal_svg: str | None = None,
                         attachment_links: dict[str, str] | None = None,
                         attachment_pages: dict[str, str] | None = None,
                         co_issuers: list[tuple[str, str | None]] | None = None) -> str:
    """The document in the GB/T 9704 layout.

    `attachment_links` maps an attachment's `file` to the URL the page links it with;
    `attachment_pages` maps a `file` to safe HTML printed as that attachment's own page;
    `co_issuers` lists the other units of a joint document (联合行文), each (name, seal image),
    in the order of its `joint`: their names and seals stand in one row after the drafting unit's."""
    links = attachment_links or {}
    pages = attachment_pages or {}
    doc_type = str(meta.get("type") or "")
    signers = _names(meta.get("signer"))
    number = str(meta.get("number") or "").strip()
    classes = ["official-document", "od-letter" if doc_type == LETTER else "od-standard"]
    if signers:
        classes.append("od-upward")
    if not number:
        classes.append("od-draft")
    out: list[str] = [f'<article class="{" ".join(classes)}" lang="zh-CN">', '<header class="od-header">']
    urgency = str(meta.get("urgency") or "").strip()
    out.append('<div class="od-marks">' + (f'<p class="od-urgency">{escape(urgency)}</p>' if urgency else "")
               + "</div>")
    heading = issuer_heading(doc_type, unit_name)
    # The heading stays on one line inside the 156 mm type area: long names get a smaller size.
    size = " od-issuer-longer" if len(heading) > 15 else " od-issuer-long" if len(heading) > 11 else ""
    out.append(f'<p class="od-issuer{size}">{escape(heading)}</p>')
    number_html = (f'<span class="od-number">{escape(number)}</span>' if number
                   else f'<span class="od-number od-number-pending">{say("documents.official_form.render_official_html.1")}</span>')
    signer_html = ""
    if signers:
        signer_html = (f'<span class="od-signer"><span class="od-signer-label">{say("documents.official_form.render_official_html.2")}</span>'
                       + "".join(f'<span class="od-signer-name">{escape(s)}</span>' for s in signers) + "</span>")
    out.append(f'<p class="od-number-line">{number_html}{signer_html}</p>')
    out.append('<hr class="od-red-rule">')
    out.append("</header>")
    out.append(f'<h1 class="od-title">{title_html(str(meta.get("title") or ""))}</h1>')
    recipients = _names(meta.get("recipients"))
    if recipients:
        out.append(f'<p class="od-recipients">{escape("，".join(recipients))}：</p>')
    out.append(f'<div class="od-body">{body_html}</div>')
    attachments = [a for a in meta.get("attachments") or [] if isinstance(a, dict)]
    if attachments:
        out.append('<div class="od-attachment-note">')
        for i, item in enumerate(attachments, 1):
            title = escape(str(item.get("title", "")))
            prefix = f"{i}. " if len(attachments) > 1 else ""
            href = links.get(str(item.get("file", "")))
            label = f'<a href="{escape(href, quote=True)}">{title}</a>' if href else title
            if i == 1:
                out.append(f'<p><span class="od-attachment-label">{say("documents.official_form.render_official_html.3")}</span>'
                           f'{prefix}{label}</p>')
            else:
                out.append(f'<p class="od-attachment-more">{prefix}{label}</p>')
        out.append("</div>")
    if co_issuers:
        out.append(joint_signature_html([(unit_name, seal_svg), *co_issuers], meta.get("date")))
    else:
        out.append('<div class="od-signature"><div class="od-sign-block">')
        out.append(f'<p class="od-sign-name">{escape(unit_name)}</p>')
        if meta.get("date"):
            out.append(f'<p class="od-date">{escape(_day(meta["date"]))}</p>')
        if seal_svg:
            label = escape(say("documents.official_form.render_official_html.4", unit_name=unit_name))
            out.append(f'<div class="od-seal" aria-label="{label}">{seal_svg}</div>')
        out.append("</div></div>")
    notes = str(meta.get("notes") or "").strip()
    if notes:
        out.append(f'<p class="od-notes">（{escape(notes.strip("（）()"))}）</p>')
    for i, item in enumerate(attachments, 1):
        page = pages.get(str(item.get("file", "")))
        if page is None:
            continue
        label = say("documents.official_form.render_official_html.5", i=i) if len(attachments) > 1 else say("documents.official_form.render_official_html.6")
        out.append(f'<section class="od-attachment"><p class="od-attachment-number">{label}</p>'
                   f'<h2 class="od-attachment-title">{title_html(str(item.get("title", "")))}</h2>'
                   f'<div class="od-body">{page}</div></section>')
    cc = _names(meta.get("cc"))
    printed_by = str(meta.get("printed_by") or unit_name)
    printed_on = meta.get("printed_on") or meta.get("date")
    out.append('<footer class="od-imprint">')
    if cc:
        cc_label = say("documents.official_form.render_official_html.7")
        out.append(f'<p class="od-cc"><span class="od-cc-label">{cc_label}</span>{escape("，".join(cc))}。</p>')
    out.append(f'<p class="od-printed"><span class="od-printed-by">{escape(printed_by)}</span>'
               f'<span class="od-printed-on">{escape(say("documents.official_form.printed_on", day=_day(printed_on))) if printed_on else ""}</span></p>')
    out.append("</footer></article>")
    return "\n".join(out)


def joint_signature_html(units: list[tuple[str, str | None]], day: Any) -> str:
    """GB/T 9704 7.3.5.2, 联合行文: every issuing unit's 署名 in one row, the lead unit first, each
    seal upright pressing on its own name, the seals aligned, not touching; one 成文日期 (the last
    signer's) below them, right-indented four characters."""
    out = ['<div class="od-signature od-joint"><div class="od-seal-row">']
    for name, seal in units:
        out.append('<div class="od-sign-unit">')
        out.append(f'<p class="od-sign-name">{escape(name)}</p>')
        if seal:
            label = escape(say("documents.official_form.render_official_html.4", unit_name=name))
            out.append(f'<div class="od-seal" aria-label="{label}">{seal}</div>')
        out.append("</div>")
    out.append("</div>")
    if day:
        out.append(f'<p class="od-date">{escape(_day(day))}</p>')
    out.append("</div>")
    return "".join(out)


def stylesheet() -> str:
    """The official form's CSS (screen and print), for embedding in a standalone page."""
    return CSS_PATH.read_text(encoding="utf-8")
