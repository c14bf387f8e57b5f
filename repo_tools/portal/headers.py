"""The security headers of every portal response, in one place. When the site package has
`response_headers(path)` (repo_tools/site/headers.py), that is used, so the static site and the
portal answer alike; otherwise the same policy is set here."""
from __future__ import annotations

from pathlib import PurePosixPath

try:  # written by the hardening work; absent on older trees
    from ..site.headers import response_headers as _site_headers
except ImportError:  # pragma: no cover - depends on the tree
    _site_headers = None

# Pagefind runs WebAssembly ('wasm-unsafe-eval'); nothing is loaded from another origin.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
ACTIVE = {".html", ".htm", ".xhtml", ".svg", ".xml", ".js", ".mjs", ".css"}
OWN = ("assets/", "_pagefind", "restricted/")  # the site's own scripts and styles


def response_headers(path: str) -> dict[str, str]:
    """Headers for the site file at `path` (relative to the site root)."""
    if _site_headers is not None:
        return dict(_site_headers(path))
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
    name = PurePosixPath(path).name
    if PurePosixPath(path).suffix.lower() in ACTIVE and name not in ("index.html", "404.html") \
            and not path.startswith(OWN):
        headers["Content-Disposition"] = "attachment"  # an uploaded page or SVG is downloaded, never run
    return headers


def page_headers() -> dict[str, str]:
    """Headers of the portal's own pages (login, password, refusals)."""
    return {**response_headers("index.html"), "Cache-Control": "no-store"}
