"""The security headers of every portal response, in one place: the site's own policy
(repo_tools/site/headers.py: CSP, nosniff, downloads for repository files of active types), so
`oa serve`, the portal and its nginx front answer alike."""
from __future__ import annotations

from repo_tools.site.headers import CSP, response_headers

__all__ = ["CSP", "page_headers", "response_headers"]


def page_headers() -> dict[str, str]:
    """Headers of the portal's own pages (login, password, refusals, home, 404)."""
    return {**response_headers("index.html"), "Cache-Control": "no-store"}
