"""The site's seams to three parallel concerns: the official form (issue 3), the seal image and the
verification report (issue 5). Each is imported when present; until then a minimal stand-in keeps
the site buildable. The lead removes the stand-ins at integration (search for FALLBACK)."""
from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

from .. import timeutil

try:  # FALLBACK: remove at integration
    from ..official_form import render_official_html as _official_html  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the parallel branch
    _official_html = None
try:  # FALLBACK: remove at integration
    from ..seal_image import seal_svg as _seal_svg  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _seal_svg = None
try:  # FALLBACK: remove at integration
    from ..verify import document_report as _document_report  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _document_report = None

HAS_OFFICIAL_FORM = _official_html is not None


def seal_svg(unit_name: str, level: str) -> str:
    """The unit's seal as an SVG string."""
    if _seal_svg is not None:
        return _seal_svg(unit_name, level)
    return _fallback_seal_svg(unit_name)


def official_html(meta: dict[str, Any], body_html: str, unit_name: str, seal: str | None,
                  attachment_links: dict[str, str]) -> str:
    """The document in the GB/T 9704 layout (an HTML fragment)."""
    if _official_html is not None:
        return _official_html(meta, body_html, unit_name, seal_svg=seal, attachment_links=attachment_links)
    return _fallback_official_html(meta, body_html, unit_name, seal, attachment_links)


def document_report(city: Any, unit_id: str, doc_dir: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The verification report of a published document (see BRIEF: verify.document_report)."""
    if _document_report is not None:
        return _document_report(city, unit_id, doc_dir)
    return {"number": meta.get("number"), "sealed": bool(meta.get("number") and meta.get("sealed_on")),
            "seal": None, "seal_valid": False, "sealed_at": None, "approvals": [],
            "problems": ["验证模块尚未集成，本页未核验签名（占位）"], "ok": False}


# --- FALLBACK stand-ins --------------------------------------------------------------------------

def _fallback_seal_svg(unit_name: str) -> str:
    name = html.escape(unit_name)
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" class="seal-svg" role="img" '
            f'aria-label="{name}电子印章"><circle cx="100" cy="100" r="92" fill="none" stroke="#d40000" '
            'stroke-width="7"/><defs><path id="arc" d="M 34 110 A 68 68 0 1 1 166 110"/></defs>'
            f'<text fill="#d40000" font-size="19" font-family="serif"><textPath href="#arc" startOffset="50%" '
            f'text-anchor="middle">{name}</textPath></text><polygon fill="#d40000" points="100,62 109,89 '
            '138,89 115,106 123,134 100,117 77,134 85,106 62,89 91,89"/></svg>')


def _day(value: Any) -> str:
    if isinstance(value, date):
        return timeutil.chinese_date(value)
    parsed = timeutil.parse(str(value)) if value else None
    return timeutil.chinese_date(parsed.date()) if parsed else ""


def _fallback_official_html(meta: dict[str, Any], body_html: str, unit_name: str, seal: str | None,
                            attachment_links: dict[str, str]) -> str:
    esc = html.escape
    parts = ['<div class="official">',
             f'<div class="official-heading">{esc(unit_name)}文件</div>',
             f'<div class="official-number">{esc(str(meta.get("number") or "（未编号）"))}</div>',
             '<hr class="official-rule">',
             f'<h1 class="official-title">{esc(str(meta.get("title", "")))}</h1>']
    recipients = meta.get("recipients") or []
    if recipients:
        parts.append(f'<p class="official-recipients">{esc("、".join(map(str, recipients)))}：</p>')
    parts.append(f'<div class="official-body">{body_html}</div>')
    attachments = meta.get("attachments") or []
    if attachments:
        parts.append('<div class="official-attachments">附件：<ol>')
        for att in attachments:
            title = esc(str(att.get("title", att.get("file", ""))))
            link = attachment_links.get(str(att.get("file", "")))
            parts.append(f'<li><a href="{esc(link)}">{title}</a></li>' if link else f"<li>{title}</li>")
        parts.append("</ol></div>")
    parts.append('<div class="official-signature">')
    parts.append(f'<div class="official-signer">{esc(unit_name)}</div>')
    parts.append(f'<div class="official-date">{esc(_day(meta.get("date")))}</div>')
    if seal:
        parts.append(f'<div class="official-seal">{seal}</div>')
    parts.append("</div>")
    if meta.get("notes"):
        parts.append(f'<p class="official-notes">（{esc(str(meta["notes"]))}）</p>')
    cc = meta.get("cc") or []
    parts.append('<div class="official-colophon">')
    if cc:
        parts.append(f'<p>抄送：{esc("，".join(map(str, cc)))}。</p>')
    printed_by = meta.get("printed_by") or unit_name
    parts.append(f'<p><span>{esc(str(printed_by))}</span>'
                 f'<span class="printed-on">{esc(_day(meta.get("printed_on") or meta.get("date")))}印发</span></p>')
    parts.append("</div></div>")
    return "".join(parts)
