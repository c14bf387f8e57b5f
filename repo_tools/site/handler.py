"""The request handler of `oa serve`: Python's file server with the site's headers
(`headers.response_headers`: CSP, nosniff, downloads for repository files, charsets) and no
directory listings (a folder without a page is not a page)."""
from __future__ import annotations

import http.server
import os

from repo_tools.site.headers import response_headers


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    _site_headers: dict[str, str] | None = None

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        head = b""
        try:
            with open(path, "rb") as handle:
                head = handle.read(4096)
        except OSError:
            pass
        self._site_headers = response_headers(self.path, head)
        return self._site_headers["Content-Type"]

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not Found")
        return None

    def end_headers(self) -> None:
        extra = self._site_headers or response_headers("/404.html")
        for key, value in extra.items():
            if key != "Content-Type":
                self.send_header(key, value)
        self._site_headers = None
        super().end_headers()
