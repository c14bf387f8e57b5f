"""Benchmark: the server hook on a typical push (one document, three images, three commits)
against a small repository and against one with 5,000 commits of history.

Prints a table and writes `docs/bench-hook.md`. The history is written with `git fast-import`
straight into the bare repository (it is only ballast: the hook examines what a push adds),
then every measured push goes through the real hooks with real signatures.

Run: `make bench` or `.venv/bin/python bench/hook.py [--runs 7] [--history 5000]`.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repo_tools import city as city_mod  # noqa: E402
from repo_tools.git.clone import clone  # noqa: E402

DOC = """---
type: 通知
title: 六安市人民政府办公室关于做好{n}号工作的通知
recipients: [各县区人民政府]
date: 2026-11-20
---

各县区人民政府：

现就有关事项通知如下。{n}
"""


def photo(seed: int) -> bytes:
    img = Image.effect_noise((360, 240), 40 + seed).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}


def git(work: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=work, env=env(), check=True, capture_output=True,
                          text=True).stdout


def add_history(repo: Path, commits: int) -> None:
    """Write `commits` commits of ballast history onto main with fast-import."""
    parent = git(repo, "rev-parse", "refs/heads/main").strip()
    lines = []
    for i in range(commits):
        body = f"历史文件 {i}\n".encode()
        msg = f"历史提交 {i}".encode()
        lines.append(b"commit refs/heads/main\n")
        lines.append(b"committer Bench <bench@oa.local> %d +0800\n" % (1_400_000_000 + i))
        lines.append(b"data %d\n%s\n" % (len(msg), msg))
        if i == 0:
            lines.append(f"from {parent}\n".encode())
        lines.append(b"M 100644 inline history/%d/%d.md\n" % (i // 100, i))
        lines.append(b"data %d\n%s\n" % (len(body), body))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(lines), check=True, env=env())


def typical_push(work: Path, n: int) -> float:
    """Three commits: a document, then three images, then an edit; one signed push. Wall time."""
    folder = work / "documents" / "2026" / f"bench-{n}"
    (folder / "images").mkdir(parents=True)
    (folder / "index.md").write_text(DOC.format(n=n), encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-q", "--no-verify", "-m", f"拟稿 {n}")
    for i in range(3):
        (folder / "images" / f"p{i}.jpg").write_bytes(photo(n * 3 + i))
    git(work, "add", "-A")
    git(work, "commit", "-q", "--no-verify", "-m", f"配图 {n}")
    (folder / "index.md").write_text(DOC.format(n=n) + "\n特此通知。\n", encoding="utf-8")
    git(work, "commit", "-q", "--no-verify", "-am", f"修改 {n}")
    started = time.perf_counter()
    git(work, "push", "-q", "origin", f"HEAD:refs/heads/draft/bench-{n}")
    return time.perf_counter() - started


def measure(history: int, runs: int, base: Path) -> dict[str, float]:
    root = base / f"h{history}"
    city = city_mod.init(root / "c")
    try:
        city_mod.add_unit(city, "admin", "lagov", "六安市人民政府办公室", ["六政办"], "city")
        city_mod.add_user(city, "admin", "zhang", "张明", "lagov", ["author"])
        if history:
            add_history(city.unit_repo("lagov"), history)
        work = clone(city, "lagov", root / "w", "zhang")
        (city.root / "server" / "bench").mkdir()
        typical_push(work, 0)  # warm caches (first gpg-agent start, page cache)
        (city.root / "server" / "bench" / "pre-receive.times").unlink()
        walls = [typical_push(work, n) for n in range(1, runs + 1)]
        hooks = [float(x) for x in (city.root / "server" / "bench" / "pre-receive.times").read_text().split()]
        commits = int(git(work, "rev-list", "--count", "--all").strip())
        return {"commits": commits, "push": statistics.median(walls), "hook": statistics.median(hooks)}
    finally:
        city.stop_agents()


def python_start() -> float:
    """The interpreter start plus the hook's imports, which every hook run pays."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import repo_tools.hook.entry, repo_tools.hook.rules"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--history", type=int, default=5000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="oab", dir="/tmp"))
    try:
        small = measure(0, args.runs, base)
        large = measure(args.history, args.runs, base)
        start = python_start()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ratio = large["hook"] / small["hook"]
    rows = [
        ("small repository", small),
        (f"{args.history} commits of history", large),
    ]
    out = ["| repository | commits | pre-receive checks (median) | whole `git push` (median) |",
           "|---|---|---|---|"]
    for name, r in rows:
        out.append(f"| {name} | {int(r['commits'])} | {r['hook'] * 1000:.0f} ms | {r['push'] * 1000:.0f} ms |")
    text = "\n".join(out)
    note = (f"\nRatio large/small for the hook's checks: **{ratio:.2f}**. Python start-up plus the hook's "
            f"imports, paid once per push on top of the checks: {start * 1000:.0f} ms.\n"
            f"Typical push: one document, three JPEG images (~{len(photo(1)) // 1024} KB each), three commits, "
            f"{args.runs} runs each, median. Machine: {os.cpu_count()} cores.\n")
    print(text + note)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "bench-hook.md").write_text("# Hook benchmark\n\n" + text + "\n" + note, encoding="utf-8")


if __name__ == "__main__":
    main()
