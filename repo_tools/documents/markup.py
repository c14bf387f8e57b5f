"""Markdown from users to HTML that is safe to put on a page: rendered with Python-Markdown,
then cleaned by nh3 (no script, iframe, event handlers, `javascript:` links, no style)."""
from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr",
    "th", "td", "a", "img", "figure", "figcaption", "span", "div",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"}, "td": {"align"}, "span": {"class"}, "div": {"class"}, "*": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}


_CONVERTER: markdown.Markdown | None = None


def to_safe_html(text: str) -> str:
    """Markdown to sanitized HTML (tables and footnotes allowed; raw HTML is cleaned, not trusted).

    One converter is kept and reset between texts: building a Markdown instance costs more than
    converting a typical document, and a site build converts every document."""
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    try:
        html = _CONVERTER.convert(text)
    finally:
        _CONVERTER.reset()
    return sanitize(html)


def sanitize(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)
