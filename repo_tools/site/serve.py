"""`oa serve`: the built site over HTTP on localhost (Python's http.server).

The handler serves the site folder by its path, not its resolved target, so every request
follows the symbolic link: after a publish, the next request sees the new generation."""
from __future__ import annotations

import functools
import http.server
from pathlib import Path

from .handler import SiteRequestHandler


class QuietHandler(SiteRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


def make_server(site_dir: Path, port: int = 8000, host: str = "127.0.0.1",
                quiet: bool = True) -> http.server.ThreadingHTTPServer:
    """A server over the site folder (quiet: no access log, for tests and benchmarks)."""
    base = QuietHandler if quiet else SiteRequestHandler
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
