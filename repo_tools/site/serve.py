"""`oa serve`: the built site over HTTP on localhost (Python's http.server).

The handler serves the site folder by its path, not its resolved target, so every request
follows the symbolic link: after a publish, the next request sees the new generation."""
from __future__ import annotations

import functools
import http.server
from pathlib import Path

from repo_tools.site.handler import SiteRequestHandler
from repo_tools.messages import say


class SiteHandler(SiteRequestHandler):
    """The site's files with the site's headers, and the site's own 404 page for a missing one
    (never Python's English error page)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class QuietHandler(SiteHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


def make_server(site_dir: Path, port: int = 8000, host: str = "127.0.0.1",
                quiet: bool = True) -> http.server.ThreadingHTTPServer:
    """A server over the site folder (quiet: no access log, for tests and benchmarks)."""
    base = QuietHandler if quiet else SiteHandler
    handler = functools.partial(base, directory=str(site_dir))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(site_dir: Path | str, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(Path(site_dir), port, host, quiet=False)
    print(say("site.serve.serve.1",
              host=host, server_address_1=server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
