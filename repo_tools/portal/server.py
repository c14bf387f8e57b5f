"""Running the portal: uvicorn in this process (`oa portal`), or in a thread (tests, the demo,
the benchmark), on 127.0.0.1 by default."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from repo_tools.city import City
from repo_tools.messages import say
from repo_tools.portal.app import create_app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class PortalServer:
    """A portal on a port, started and stopped by the caller (`with PortalServer(...) as p:`)."""

    def __init__(self, city: City, port: int = 0, host: str = "127.0.0.1", site: Path | None = None,
                 idle_minutes: float = 30.0, secure_cookies: bool = False) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.app = create_app(city, site, idle_minutes, secure_cookies)
        config = uvicorn.Config(self.app, host=host, port=self.port, log_level="warning", access_log=False,
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> PortalServer:
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(say("portal.server.start.1"))
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.app.state.portal.accounts.close()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(city: City, port: int = 8080, host: str = "127.0.0.1", idle_minutes: float = 30.0,
          secure_cookies: bool = False) -> None:
    """Serve until interrupted (Ctrl-C). `secure_cookies`: behind nginx speaking HTTPS."""
    app = create_app(city, None, idle_minutes, secure_cookies)
    print(say("portal.server.serve.1", host=host, port=port), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
