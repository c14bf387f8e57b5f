"""Benchmark: one push of many signed commits (default 2,000) through the real hooks.

The commits each change one file; their trees are written with `git fast-import`, then every
commit is re-made with `git commit-tree -S` (a real signature per commit, as a person's client
would make them). The push is timed end to end, and the hook's own checks are read from the
city's bench timing file. `--code DIR` runs the hooks with the package from another checkout
(e.g. `/work/main`) to compare before and after.

Run: `.venv/bin/python bench/hook_flood.py [--commits 2000] [--code DIR]`; appends its figure
to `docs/bench-hook.md` with `--record`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repo_tools import city as city_mod  # noqa: E402
from repo_tools.git.clone import clone  # noqa: E402


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}


def git(work: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=work, env=env(), check=True, capture_output=True,
                          input=data).stdout.decode()


def signed_commits(work: Path, count: int) -> str:
    """`count` signed commits on top of HEAD, each adding one small file; returns the tip."""
    head = git(work, "rev-parse", "HEAD").strip()
    stream = []
    for i in range(count):
        body = f"第 {i} 份材料\n".encode()
        msg = f"材料 {i}".encode()
        stream.append(b"commit refs/heads/flood-unsigned\n")
        stream.append(b"committer Bench <bench@oa.local> %d +0800\n" % (1_700_000_000 + i))
        stream.append(b"data %d\n%s\n" % (len(msg), msg))
        if i == 0:
            stream.append(f"from {head}\n".encode())
        stream.append(b"M 100644 inline bulk/%d/%d.txt\n" % (i // 100, i))
        stream.append(b"data %d\n%s\n" % (len(body), body))
    git(work, "fast-import", "--quiet", data=b"".join(stream))
    trees = git(work, "log", "--reverse", "--format=%T", "refs/heads/flood-unsigned", f"^{head}").split()
    parent = head
    for i, tree in enumerate(trees):
        parent = git(work, "commit-tree", "-S", tree, "-p", parent, "-m", f"材料 {i}").strip()
    return parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--code", type=Path, default=None, help="checkout whose repo_tools the hooks run")
    parser.add_argument("--record", action="store_true", help="append the figure to docs/bench-hook.md")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of the pre-receive hook here")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="oaf", dir="/tmp"))
    city = city_mod.init(base / "c")
    try:
        city_mod.add_unit(city, "admin", "lagov", "六安市人民政府办公室", ["六政办"], "city")
        city_mod.add_user(city, "admin", "zhang", "张明", "lagov", ["author"])
        repo = city.unit_repo("lagov")
        if args.code:
            wrapper = base / "python-other"
            wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{args.code.resolve()}" exec "{sys.executable}" "$@"\n')
            wrapper.chmod(0o755)
            git(repo, "config", "oa.python", str(wrapper))
        if args.profile:
            wrapper = base / "python-profiled"
            wrapper.write_text(f'#!/bin/sh\nif [ "$1" = "-m" ] && [ "$3" = "pre-receive" ]; then shift; '
                               f'exec "{sys.executable}" -m cProfile -o "{args.profile.resolve()}" -m "$@"; fi\n'
                               f'exec "{sys.executable}" "$@"\n')
            wrapper.chmod(0o755)
            git(repo, "config", "oa.python", str(wrapper))
        work = clone(city, "lagov", base / "w", "zhang")
        started = time.perf_counter()
        tip = signed_commits(work, args.commits)
        made = time.perf_counter() - started
        (city.root / "server" / "bench").mkdir()
        started = time.perf_counter()
        proc = subprocess.run(["git", "push", "-q", "origin", f"{tip}:refs/heads/draft/flood"], cwd=work,
                              env=env(), capture_output=True, text=True)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"push refused:\n{proc.stderr[-2000:]}")
        times = (city.root / "server" / "bench" / "pre-receive.times").read_text().split()
        hook = float(times[-1])
        code = args.code or ROOT
        line = (f"| {args.commits} signed commits, one push (`{code}`) | {hook:.2f} s | {wall:.2f} s |")
        print(f"made {args.commits} signed commits in {made:.1f} s")
        print(line)
        if args.record:
            doc = ROOT / "docs" / "bench-hook.md"
            text = doc.read_text(encoding="utf-8")
            if "## A flood of commits" not in text:
                text += ("\n## A flood of commits\n\n`bench/hook_flood.py`: one push of many signed commits, "
                         "each adding a file (2 cores, shared with other work while measured).\n\n"
                         "| push | pre-receive checks | whole `git push` |\n|---|---|---|\n")
            doc.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")
    finally:
        city.stop_agents()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
