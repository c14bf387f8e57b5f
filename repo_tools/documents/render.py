"""The print form of a 公文 as PDF (A4, GB/T 9704): a printed e-document counts as a paper copy
(Art. 29(3)) and printing is the fallback when the system fails (Art. 45).

WeasyPrint lays out the same HTML the site shows (`official_form`) with its `@media print`
rules. Fonts come from the machine (fontconfig; fonts-noto-cjk from the set-up); nothing is
fetched from outside: the URL fetcher serves files of the document's own folder only.
"""
from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from repo_tools.documents import markup, official_form
from repo_tools.documents import model as documents
from repo_tools.messages import Refused, say

LEADING_H1 = re.compile(r"\A\s*#\s+[^\n]*\n")


TEXT_ATTACHMENTS = (".md", ".markdown", ".txt")


def attachment_html(path: Path) -> str | None:
    """A text attachment (Markdown or plain text) as safe HTML for its own page; None otherwise."""
    if path.suffix.lower() not in TEXT_ATTACHMENTS or not path.is_file():
        return None
    return text_attachment_html(path.name, path.read_bytes())


def text_attachment_html(name: str, data: bytes) -> str | None:
    """The same, from the attachment's name and bytes (the site reads them from git)."""
    suffix = Path(name).suffix.lower()
    if suffix not in TEXT_ATTACHMENTS:
        return None
    text = data.decode("utf-8", errors="replace")
    if suffix == ".txt":
        return "".join(f"<p>{escape(line.strip())}</p>" for line in text.splitlines() if line.strip())
    # The attachment's title is printed by the form (centred on line 3); drop a repeated H1.
    return markup.to_safe_html(LEADING_H1.sub("", text, count=1))


def document_html(doc_dir: Path, unit_name: str | None = None, seal_svg: str | None = None,
                  co_issuers: list[tuple[str, str | None]] | None = None) -> tuple[dict[str, Any], str]:
    """(front matter, standalone HTML page) of the document in `doc_dir`."""
    index = doc_dir / "index.md"
    if not index.is_file():
        raise Refused("not-found", what=say("documents.render.document_html.1"), name=str(index), remedy=say("documents.render.document_html.2"))
    meta, body = documents.split_front_matter(index.read_text(encoding="utf-8"))
    pages: dict[str, str] = {}
    for item in meta.get("attachments") or []:
        if isinstance(item, dict) and item.get("file"):
            target = (doc_dir / str(item["file"])).resolve()
            if doc_dir.resolve() in target.parents:
                page = attachment_html(target)
                if page is not None:
                    pages[str(item["file"])] = page
    name = unit_name or str(meta.get("printed_by") or "")
    fragment = official_form.render_official_html(meta, markup.to_safe_html(body), name, seal_svg,
                                                  attachment_pages=pages, co_issuers=co_issuers)
    title = escape(str(meta.get("title") or ""))
    page = (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{official_form.stylesheet()}</style></head><body>{fragment}</body></html>")
    return meta, page


def render_pdf(doc_dir: str | Path, out: str | Path, unit_name: str | None = None,
               seal_svg: str | None = None, attachments: dict[str, bytes] | None = None,
               co_issuers: list[tuple[str, str | None]] | None = None) -> Path:
    """Write the document's print form to `out` (PDF, A4) and return the path; `attachments`
    (name -> bytes, e.g. the log's offline proofs) are embedded as PDF file attachments;
    `co_issuers` are the other units of a joint document with their seals."""
    import io

    from weasyprint import HTML, Attachment

    folder = Path(doc_dir).resolve()
    if folder.name == "index.md":
        folder = folder.parent
    _meta, page = document_html(folder, unit_name, seal_svg, co_issuers)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    embedded = [Attachment(file_obj=io.BytesIO(data), name=name, description=name)
                for name, data in (attachments or {}).items()]
    HTML(string=page, base_url=folder.as_uri() + "/", url_fetcher=_local_fetcher(folder)).write_pdf(
        target, attachments=embedded)
    return target


def _allowed(url: str, folder: Path) -> bool:
    if url.startswith("data:"):
        return True
    if not url.startswith("file://"):
        return False
    from urllib.parse import unquote
    target = Path(unquote(url[len("file://"):].split("?", 1)[0].split("#", 1)[0])).resolve()
    return target == folder or folder in target.parents


def _local_fetcher(folder: Path) -> Any:
    """A WeasyPrint URL fetcher that serves the document's folder and data: URLs, nothing else."""
    import weasyprint

    class LocalFetcher(weasyprint.URLFetcher):  # WeasyPrint >= 66 (pyproject pins 70)
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not _allowed(url, folder):
                raise ValueError(say("documents.render.fetch.1", url=url))
            return super().fetch(url, headers)
    return LocalFetcher(allowed_protocols=("file", "data"))
