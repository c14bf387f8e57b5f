"""Portal overhead per page: the embedded portal (uvicorn), nginx asking the portal
(`auth_request`), and nginx serving the same file unguarded, side by side in one run.

    .venv/bin/python bench/portal.py --city demo-city/city [--requests 300]

The city must have a built site (`make demo` makes one). Each setup gets one logged-in reader
on one keep-alive connection; the figure is the mean wall time per request of a document page
and of a search fragment, measured after a warm-up. Results go to docs/bench-portal.md by hand.
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repo_tools.city import City  # noqa: E402
from repo_tools.demo.portal import ScriptedReader  # noqa: E402
from repo_tools.portal.auth import reset_password  # noqa: E402
from repo_tools.portal.nginx import write_config  # noqa: E402
from repo_tools.portal.server import PortalServer, free_port  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def timed(port: int, path: str, cookies: dict[str, str], n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    out = []
    for i in range(n + 20):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
        if i >= 20:  # warm-up
            out.append(time.perf_counter() - start)
    conn.close()
    return out


def start_nginx(conf: Path, state: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([NGINX, "-p", str(state), "-c", str(conf), "-e", str(state / "error.log"),
                             "-g", "daemon off;"], stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start")


def plain_conf(site: Path, state: Path, port: int, user: str) -> Path:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (state / "tmp" / name).mkdir(parents=True, exist_ok=True)
    conf = state / "plain.conf"
    conf.write_text(f"""{user}
worker_processes 1; pid {state}/plain.pid; error_log {state}/error.log warn;
events {{ worker_connections 256; }}
http {{ include /etc/nginx/mime.types; access_log {state}/plain-access.log; sendfile on;
  client_body_temp_path {state}/tmp/body; proxy_temp_path {state}/tmp/proxy; fastcgi_temp_path {state}/tmp/fastcgi;
  uwsgi_temp_path {state}/tmp/uwsgi; scgi_temp_path {state}/tmp/scgi;
  server {{ listen 127.0.0.1:{port}; root {site}; }} }}
""")
    return conf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--city", required=True)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    city = City(Path(args.city).resolve())
    site = Path(os.path.realpath(city.site_dir))
    page = next(p for p in sorted(site.glob("documents/*/*/*/index.html")))
    doc = "/" + str(page.parent.relative_to(site)) + "/"
    fragment = "/" + str(next(site.glob("_pagefind/fragment/*.pf_fragment")).relative_to(site))
    reg = city.registry()
    user = next(p.id for p in reg.people.values() if p.unit != "egov" and p.status == "active")
    run_as = "user root;" if os.geteuid() == 0 else ""
    rows = []
    with tempfile.TemporaryDirectory(prefix="oa-bench-portal-") as tmp, PortalServer(city) as portal:
        state = Path(tmp)
        initial = reset_password(city, "admin", user)
        reader = ScriptedReader(portal.port)
        reader.first_login(user, initial, "Bench2026portal")
        cookies = dict(reader.cookies)
        guarded_port, plain_port = free_port(), free_port()
        conf = write_config(city.site_dir, state / "nginx.conf", state, guarded_port, f"127.0.0.1:{portal.port}",
                            run_as="root" if os.geteuid() == 0 else None)
        guarded = start_nginx(conf, state, guarded_port)
        plain = start_nginx(plain_conf(site, state, plain_port, run_as), state, plain_port)
        try:
            for label, port, jar in (("nginx, unguarded", plain_port, {}),
                                     ("nginx + auth_request to the portal", guarded_port, cookies),
                                     ("embedded portal (uvicorn)", portal.port, cookies)):
                for what, path in (("document page", doc), ("search fragment", fragment)):
                    times = timed(port, path, jar, args.requests)
                    rows.append((label, what, statistics.mean(times) * 1000, statistics.median(times) * 1000,
                                 sorted(times)[int(len(times) * 0.95)] * 1000))
        finally:
            for proc in (guarded, plain):
                proc.terminate()
                proc.wait(timeout=10)
    print(f"{args.requests} sequential keep-alive requests per row, after 20 warm-up requests; "
          f"one logged-in reader ({user}); page {doc}")
    print("| server | file | mean ms | median ms | p95 ms |")
    print("|---|---|---|---|---|")
    for label, what, mean, median, p95 in rows:
        print(f"| {label} | {what} | {mean:.2f} | {median:.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
