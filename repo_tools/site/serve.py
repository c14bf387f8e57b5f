"""`oa serve`: the built site over HTTP on localhost (Python's http.server).

The handler serves the site folder by its path, not its resolved target, so every request
follows the symbolic link: after a publish, the next request sees the new generation."""
from __future__ import annotations

import functools
import http.server
from pathlib import Path


# Text is served with its charset: a browser guessing the encoding of a Markdown attachment
# shows mojibake. (http.server sends `text/plain` and `text/markdown` without one.)
TEXT_TYPES = {".md": "text/markdown; charset=utf-8", ".markdown": "text/markdown; charset=utf-8",
              ".txt": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
              ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
              ".js": "text/javascript; charset=utf-8", ".json": "application/json; charset=utf-8",
              ".xml": "application/xml; charset=utf-8", ".svg": "image/svg+xml; charset=utf-8"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The site's files with their charset, and the site's own 404 page for a missing one."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TEXT_TYPES}

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
    print(f"网站地址：http://{host}:{server.server_address[1]}/  （按 Ctrl-C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
