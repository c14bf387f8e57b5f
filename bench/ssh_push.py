"""Benchmark: a typical push (one document, three images, three commits; as `bench/hook.py`)
over the path transport and over SSH to the same city in the same run.

The city is first reached by path (the embedded demo's way), then made a service with
`oa server setup` and `oa server start` on 127.0.0.1, and the same clone pushes over SSH through
gitolite, with the person's key served by their gpg-agent. Writes `docs/bench-ssh.md`.

Run as root (it creates the service account and runs sshd):
`.venv/bin/python bench/ssh_push.py [--runs 5]`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from hook import git, typical_push  # noqa: E402

from repo_tools import city as city_mod  # noqa: E402
from repo_tools.git.clone import clone  # noqa: E402
from repo_tools.identity import keys  # noqa: E402
from repo_tools.server import service  # noqa: E402
from repo_tools.server.identity import enable_ssh  # noqa: E402
from repo_tools.server.layout import ServiceLayout  # noqa: E402
from repo_tools.server.setup import setup  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("需要 root：基准要建立服务账户并运行 sshd")
    base = Path(tempfile.mkdtemp(prefix="oab", dir="/tmp"))
    os.chmod(base, 0o755)  # the service account must reach its city
    account = f"oabench{os.getpid() % 10000}"
    root = base / "c"
    homes: list[Path] = []
    load_before = os.getloadavg()
    try:
        city = city_mod.init(root)
        city_mod.add_unit(city, "admin", "lagov", "六安市人民政府办公室", ["六政办"], "city")
        city_mod.add_user(city, "admin", "zhang", "张明", "lagov", ["author"])
        work = clone(city, "lagov", base / "w", "zhang")
        typical_push(work, 0)  # warm caches
        path = [typical_push(work, n) for n in range(1, args.runs + 1)]
        city.stop_agents()
        port = free_port()
        setup(root, account=account, port=port, listen="127.0.0.1", hand_over=base / "keys")
        service.start(root)
        home = base / "keys" / "people" / "zhang" / "gnupg"
        homes.append(home)
        fpr = keys.keyring(home).list_keys(secret=True)[0]["fingerprint"]
        sock = enable_ssh(home, fpr)
        known = base / "known_hosts"
        known.write_text(f"[127.0.0.1]:{port} {ServiceLayout(root).host_key.with_suffix('.pub').read_text()}")
        (work / ".git" / "oa-gpg").write_text(f'#!/bin/sh\nGNUPGHOME="{home}" exec gpg "$@"\n')
        git(work, "config", "core.sshCommand",
            f"SSH_AUTH_SOCK={sock} ssh -p {port} -o UserKnownHostsFile={known} -o BatchMode=yes")
        git(work, "remote", "set-url", "origin", f"ssh://{account}@127.0.0.1:{port}/lagov")
        typical_push(work, 100)  # warm: first SSH connection, the service's interpreter
        ssh = [typical_push(work, 100 + n) for n in range(1, args.runs + 1)]
        p, s = statistics.median(path), statistics.median(ssh)
        load_after = os.getloadavg()
        loads = (f"load average (1, 5, 15 min) {' '.join(f'{x:.2f}' for x in load_before)} before, "
                 f"{' '.join(f'{x:.2f}' for x in load_after)} after")
        text = (
            "# A typical push over SSH and over the path, same city, same run\n\n"
            f"`bench/ssh_push.py --runs {args.runs}` on this 2-core machine, {time.strftime('%Y-%m-%d')}, "
            f"shared with other work while it ran ({loads}: absolute figures are several times those of an "
            "idle machine, `docs/bench-hook.md`; the ratio is what to read). Typical push: one document, three JPEG images, three "
            "commits, one signed push (the same as `bench/hook.py`). Median wall time of `git push`, "
            "both hooks, the log and (over SSH) gitolite's access check and our forced command.\n\n"
            "| transport | median | runs |\n|---|---|---|\n"
            f"| path (`git push /…/lagov.git`, hooks run as the pusher) | {p * 1000:.0f} ms | "
            f"{', '.join(f'{x * 1000:.0f}' for x in path)} |\n"
            f"| SSH (`ssh://oa@127.0.0.1/lagov`: sshd, oa-shell, gitolite, hooks as the service) | "
            f"{s * 1000:.0f} ms | {', '.join(f'{x * 1000:.0f}' for x in ssh)} |\n\n"
            f"SSH costs {s - p:+.2f} s per push ({s / p:.2f}× the path push). The difference is the SSH "
            "handshake with the key served by gpg-agent, `oa-shell` (one Python start-up and one "
            "`gitolite access` query) and gitolite-shell before receive-pack; the hooks themselves do "
            "the same work on both transports.\n")
        (ROOT / "docs" / "bench-ssh.md").write_text(text)
        print(text)
    finally:
        if ServiceLayout(root).is_served():
            service.stop(root)
        for home in homes:
            keys.stop_agent(home)
        subprocess.run(["userdel", account], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
