"""Benchmark: the server hook on a typical push (one document, three images, three commits),
against a small city and against cities that are large in each way a city grows:

- `history`: 5,000 commits of history on the unit's `main`;
- `units`: a registry of 100 units (the unit records of 99 more, with their seals);
- `people`: a registry of 10,000 people (in 100 units).

The ballast is written with `git fast-import` straight into the bare repositories (the
unit's history, or registry records: nothing in a push to one unit reads another unit's
repository, so the ballast units have records and no repositories), never through the hooks,
and said so here. Every measured push goes through the real hooks with real signatures.

What is timed, per push:
- `pre-receive (whole process)`: the hook's process from exec to exit, Python start-up and
  imports included (a shell wrapper set as the repository's `oa.python` times it);
- `checks`: the same hook's own clock from `pre_receive()` to its answer;
- `git push`: the whole push as the person sees it (signing, both hooks, the log).

`--json` prints one JSON object on its last line: `typical_push_s` (median pre-receive process
on the small city, through the hook server), `typical_push_ordinary_s` (the same without it),
`typical_push_cpu_s` (its CPU time: the client's only when served,
children included, from GNU time where installed), `history_ratio`, `units_ratio`, `people_ratio` (each large / small),
`startup_s` (`python -m repo_tools.hook` doing nothing: interpreter and the hook's imports),
the per-city figures, and the load average (the machine is shared).

Run: `make bench` or `.venv/bin/python bench/hook.py [--runs 7] [--history 5000] [--units 100]
[--people 10000] [--json] [--record]` (`--record` rewrites the first section of docs/bench-hook.md).
"""
from __future__ import annotations

import argparse
import io
import json
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
from repo_tools.registry.records import KeyRecord, Person, Seal, Unit, dump, dump_seals  # noqa: E402

DOC = """---
type: 通知
title: 六安市人民政府办公室关于做好{n}号工作的通知
recipients: [各县区人民政府]
date: 2026-11-20
---

各县区人民政府：

现就有关事项通知如下。{n}
"""

# Times the hook's whole process (start-up included) for pre-receive; anything else runs as is.
# With GNU time (Debian's `time`), also its CPU time (user + system, children included: the
# hook's git and gpg processes), which a busy machine inflates far less than the wall clock.
WRAPPER = """#!/bin/sh
if [ "$3" = "pre-receive" ] || [ "$4" = "pre-receive" ]; then  # after `-I -m repo_tools.hook`
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -a -o "{cpu}" -f "%U %S" "{python}" "$@"
  else
    "{python}" "$@"
  fi
  rc=$?
  end=$(date +%s%N)
  echo $(( (end - start) / 1000 )) >> "{out}"
  exit $rc
fi
exec "{python}" "$@"
"""


def photo(seed: int) -> bytes:
    img = Image.effect_noise((360, 240), 40 + seed).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}


def git(work: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=work, env=env(), check=True, capture_output=True,
                          input=data).stdout.decode()


def fast_import(repo: Path, branch: str, files: list[tuple[str, bytes]], commits: int, message: str) -> None:
    """`commits` commits of ballast on `branch`, `files` spread over them (fast-import)."""
    parent = git(repo, "rev-parse", branch).strip()
    per = max(1, -(-len(files) // commits)) if files else 0
    lines: list[bytes] = []
    for i in range(commits):
        msg = f"{message} {i}".encode()
        lines += [f"commit {branch}\n".encode(), b"committer Bench <bench@oa.local> %d +0800\n" % (1_400_000_000 + i),
                  b"data %d\n%s\n" % (len(msg), msg)]
        if i == 0:
            lines.append(f"from {parent}\n".encode())
        for path, body in files[i * per:(i + 1) * per] if files else [(f"history/{i // 100}/{i}.md",
                                                                        f"历史文件 {i}\n".encode())]:
            lines += [f"M 100644 inline {path}\n".encode(), b"data %d\n%s\n" % (len(body), body)]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(lines), check=True, env=env())


def ballast_registry(city: city_mod.City, units: int, people: int) -> None:
    """Records of `units` more units (with a seal each) and `people` more people, in one commit
    on the registry's main (not through the registry hook: they are ballast for lookups)."""
    files: list[tuple[str, bytes]] = []
    for u in range(units):
        uid = f"u{u:03d}"
        files.append((f"units/{uid}.yaml", dump(Unit(
            id=uid, name=f"基准单位{u:03d}", codes=[f"基{u:03d}"], created_at="2026-01-01T00:00:00+08:00"))))
        files.append((f"seals/{uid}.yaml", dump_seals([Seal(
            id=f"{uid}-1", unit=uid, key=KeyRecord(fingerprint=f"{u:040X}", valid_from="2026-01-01T00:00:00+08:00"))])))
    for p in range(people):
        uid = f"u{p % max(units, 1):03d}" if units else "lagov"
        files.append((f"people/p{p:05d}.yaml", dump(Person(
            id=f"p{p:05d}", name=f"基准人员{p:05d}", unit=uid, roles=["author"],
            keys=[KeyRecord(fingerprint=f"F{p:039X}", valid_from="2026-01-01T00:00:00+08:00")]))))
    if files:
        fast_import(city.registry_repo, "refs/heads/main", files, 1, "基准登记数据")


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


def measure(name: str, runs: int, base: Path, history: int = 0, units: int = 0, people: int = 0,
            served: bool = True) -> dict[str, float]:
    """`served`: the hooks as installed (through the hook server); False: the ordinary hook, one
    Python process importing the rules (`oa.hookclient` unset, as `OA_HOOK_SERVER=0` installs)."""
    root = base / name
    city = city_mod.init(root / "c")
    try:
        city_mod.add_unit(city, "admin", "lagov", "六安市人民政府办公室", ["六政办"], "city")
        city_mod.add_user(city, "admin", "zhang", "张明", "lagov", ["author"])
        repo = city.unit_repo("lagov")
        if not served:
            subprocess.run(["git", "config", "--unset", "oa.hookclient"], cwd=repo, env=env())
        if history:
            fast_import(repo, "refs/heads/main", [], history, "历史提交")
        ballast_registry(city, units, people)
        bench = city.root / "server" / "bench"
        bench.mkdir()
        wrapper = root / "python-timed"
        wrapper.write_text(WRAPPER.format(python=sys.executable, out=bench / "pre-receive.process",
                                          cpu=bench / "pre-receive.cpu"))
        wrapper.chmod(0o755)
        git(repo, "config", "oa.python", str(wrapper))
        work = clone(city, "lagov", root / "w", "zhang")
        first = typical_push(work, 0)  # warm caches: gpg-agent, page cache, the registry index
        first_process = float((bench / "pre-receive.process").read_text().split()[-1]) / 1e6
        for kind in ("pre-receive.times", "pre-receive.process", "pre-receive.cpu"):
            (bench / kind).unlink(missing_ok=True)
        walls = [typical_push(work, n) for n in range(1, runs + 1)]
        checks = [float(x) for x in (bench / "pre-receive.times").read_text().split()]
        process = [float(x) / 1e6 for x in (bench / "pre-receive.process").read_text().split()]
        cpu_file = bench / "pre-receive.cpu"
        cpu = [sum(float(x) for x in line.split()) for line in cpu_file.read_text().splitlines()
               if line.strip() and line.split()[0][0].isdigit()] if cpu_file.exists() else []
        return {"commits": int(git(work, "rev-list", "--count", "--all").strip()),
                "registry_files": len(git(city.registry_repo, "ls-tree", "-r", "--name-only", "main").split()),
                "process_s": statistics.median(process), "checks_s": statistics.median(checks),
                "cpu_s": statistics.median(cpu) if cpu else float("nan"),
                "push_s": statistics.median(walls), "first_push_s": first, "first_process_s": first_process}
    finally:
        city.stop_agents()


def startup() -> float:
    """`python -m repo_tools.hook` with no hook named: the interpreter plus the hook's imports."""
    times = []
    for _ in range(7):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "repo_tools.hook"], capture_output=True, cwd="/tmp")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    out = ["| city | commits | registry files | pre-receive (whole process) | its CPU time | checks | whole `git push` |",
           "|---|---|---|---|---|---|---|"]
    for name, r in rows:
        out.append(f"| {name} | {int(r['commits'])} | {int(r['registry_files'])} | {r['process_s'] * 1000:.0f} ms | "
                   f"{r['cpu_s'] * 1000:.0f} ms | {r['checks_s'] * 1000:.0f} ms | {r['push_s'] * 1000:.0f} ms |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--record", action="store_true", help="rewrite the first section of docs/bench-hook.md")
    args = parser.parse_args()
    # Compiled bytecode, as an installed package has it (this machine sets PYTHONDONTWRITEBYTECODE).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "repo_tools")], check=True,
                   capture_output=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    load_before = os.getloadavg()[0]
    base = Path(tempfile.mkdtemp(prefix="oab", dir="/tmp"))
    try:
        small = measure("small", args.runs, base)
        ordinary = measure("ordinary", args.runs, base, served=False)
        history = measure("history", args.runs, base, history=args.history)
        units = measure("units", args.runs, base, units=args.units - 1)
        people = measure("people", args.runs, base, units=args.units - 1, people=args.people)
        start = startup()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    load_after = os.getloadavg()[0]
    rows = [("small", small), ("small, ordinary hook (no hook server)", ordinary),
            (f"{args.history:,} commits of history", history),
            (f"{args.units} units", units), (f"{args.units} units, {args.people:,} people", people)]
    result = {
        "typical_push_s": round(small["process_s"], 4),
        "typical_push_cpu_s": round(small["cpu_s"], 4),
        "typical_push_ordinary_s": round(ordinary["process_s"], 4),
        "typical_push_ordinary_cpu_s": round(ordinary["cpu_s"], 4),
        "history_ratio": round(history["process_s"] / small["process_s"], 3),
        "units_ratio": round(units["process_s"] / small["process_s"], 3),
        "people_ratio": round(people["process_s"] / small["process_s"], 3),
        "startup_s": round(start, 4),
        "target_s": 0.3,
        "runs": args.runs, "history_commits": args.history, "units": args.units, "people": args.people,
        "people_first_push_s": round(people["first_push_s"], 3),
        "people_first_process_s": round(people["first_process_s"], 3),
        "cities": {name: {k: round(v, 4) for k, v in r.items()} for name, r in
                   (("small", small), ("ordinary", ordinary), ("history", history), ("units", units),
                    ("people", people))},
        "load_average": [round(load_before, 2), round(load_after, 2)], "cores": os.cpu_count(),
    }
    text = table(rows)
    note = (f"\nTypical push: one document, three JPEG images (~{len(photo(1)) // 1024} KB each), three commits; "
            f"{args.runs} pushes per city after one warm-up push, median. Every city but the ordinary one "
            f"runs its hooks through the hook server (the default): the whole process is the shim's client, "
            f"start to exit, and its CPU time is the client's alone (the server's forked child, which does "
            f"the checks, is not its child); the ordinary hook's CPU time is the whole hook's. Ratios (pre-receive process, large / small): "
            f"history **{result['history_ratio']:.2f}**, units **{result['units_ratio']:.2f}**, "
            f"people **{result['people_ratio']:.2f}**. `python -m repo_tools.hook` alone (start-up and the hook's "
            f"imports): {start * 1000:.0f} ms. The first push after 10,000 people were registered builds the "
            f"registry index once: {people['first_process_s'] * 1000:.0f} ms. Machine: {os.cpu_count()} cores, "
            f"load average {load_before:.1f} before and {load_after:.1f} after (shared).\n")
    print(text + "\n" + note)
    if args.record:
        doc = ROOT / "docs" / "bench-hook.md"
        rest = ""
        if doc.exists():
            old = doc.read_text(encoding="utf-8")
            cut = old.find("\n## ")
            rest = old[cut:] if cut >= 0 else ""
        doc.write_text("# Hook benchmark\n\n`bench/hook.py`\n\n" + text + "\n" + note + rest, encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
