"""The HTTP headers every server of the site sends (`oa serve` now; the portal and its nginx
configuration use the same function), and the names under which repository files are published.

Nothing from a repository may run under the site's origin (Art. 40): the site's own pages carry
a Content-Security-Policy that allows only the site's own scripts (Pagefind's WebAssembly
included), and a file that came from a repository is either an inert type shown inline (raster
images, PDF, plain text with its charset) or a download (`Content-Disposition: attachment`).
Every response says `nosniff`, so no browser guesses a page out of a text file.
"""
from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

# Pagefind instantiates WebAssembly ('wasm-unsafe-eval'); its UI adds <style> elements, and the
# official form and the seal use style attributes ('unsafe-inline' for styles only, never scripts).
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")

# Where repository files land in the site: every item's folder.
CONTENT_ROOTS = ("documents/", "bulletins/")
# Repository files shown inline: inert types only.
INLINE_TYPES = {
    ".png": "image/png", ".apng": "image/apng", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".bmp": "image/bmp",
    ".ico": "image/vnd.microsoft.icon", ".pdf": "application/pdf", ".txt": "text/plain",
    ".csv": "text/csv", ".md": "text/markdown",
}
# Names of repository files that a browser would treat as active, or that collide with the
# site's own files: published with `.txt` added, so they download or show as text.
# SVG keeps its name: bulletins show it with <img> (where no script ever runs, and the hook let
# through only SVG without script or external reference); opened directly, it downloads.
ACTIVE_SUFFIXES = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml",
                   ".xml", ".xsl", ".xslt", ".js", ".mjs", ".cjs", ".css", ".swf", ".wasm", ".json",
                   ".jsonld", ".rdf", ".vtt", ".appcache", ".manifest", ".webmanifest", ".hta", ".php",
                   ".asp", ".aspx", ".jsp", ".cgi", ".pl", ".py", ".rb", ".sh")
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


def published_name(name: str) -> str:
    """The name under which a repository file is published inside its item's folder.

    Active types get `.txt` added (x.html -> x.html.txt); so does anything named like a page of
    the site itself (index.html), so an attachment can never replace or pose as a page."""
    lower = name.lower()
    if lower.endswith(ACTIVE_SUFFIXES) or PurePosixPath(lower).name in ("index.html", "404.html"):
        return name + ".txt"
    return name


def is_repository_file(path: str) -> bool:
    """Whether a site path (relative, no leading slash) is a file copied from a repository."""
    path = path.lstrip("/")
    if not path.startswith(CONTENT_ROOTS):
        return False
    name = PurePosixPath(path).name
    return bool(name) and name != "index.html" and not path.endswith("/")


def charset_of(head: bytes) -> str:
    """The charset of a text file from its first bytes (BOM, UTF-8, else GB18030)."""
    from repo_tools.screening.text import BOMS
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding.removesuffix("-le").removesuffix("-be")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut at the end of the sample
            return "utf-8"
    return "gb18030"


def response_headers(path: str, head: bytes | None = None) -> dict[str, str]:
    """Headers for serving `path` (a URL path of the site); `head` is the file's first bytes,
    to name a text file's charset."""
    path = unquote(path.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    suffix = PurePosixPath(path).suffix.lower()
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
               "X-Frame-Options": "DENY", "Cross-Origin-Opener-Policy": "same-origin"}
    if is_repository_file(path):
        kind = INLINE_TYPES.get(suffix)
        if suffix in (".svg", ".svgz"):
            kind = "image/svg+xml"
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(PurePosixPath(path).name)}"
        elif kind is None:
            guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
            # Served as bytes to save, never as a type a browser renders or runs.
            kind = "application/octet-stream" if guessed.startswith(TEXT_TYPES) or "xml" in guessed \
                or "html" in guessed or "javascript" in guessed or "svg" in guessed else guessed
            filename = PurePosixPath(path).name
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        if kind.startswith("text/"):
            kind += f"; charset={charset_of(head or b'')}"
        headers["Content-Type"] = kind
        if kind != "application/pdf":  # a CSP on the PDF itself would stop the browser's viewer
            headers["Content-Security-Policy"] = CSP + "; sandbox"
        return headers
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml",
                                              "application/xml"):
        kind += "; charset=utf-8"
    headers["Content-Type"] = kind
    headers["Content-Security-Policy"] = CSP
    return headers
