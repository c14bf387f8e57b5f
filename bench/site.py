"""Benchmark of the intranet site build (ARCHITECTURE.md "Performance targets").

    python bench/site.py [--docs 10000 --bulletins 2000] [--also 1000] [--peers] [--browser]

A synthetic city is generated FOR BENCHMARKING ONLY: its content is written straight into the
units' bare repositories with `git fast-import` (no hooks, unsigned commits), because pushing
12,000 items through the real hooks would measure the hooks, not the site. Then it measures:
- full build of our site (`repo_tools.site.build_site`, MkDocs + our plugin + Pagefind),
- rebuild after one new document lands on one unit's `main`, and a rebuild with nothing changed,
- search: bytes a reader's browser downloads for a first query (headless Chromium, if present),
- peers on the same Markdown: plain `mkdocs build` (mkdocs theme; full and `--dirty` after one
  change), and MkDocs Material with its search (if `mkdocs-material` is installed).
Prints a Markdown table; `--record docs/benchmarks.md` writes it there.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repo_tools import city as city_mod  # noqa: E402
from repo_tools.city import City  # noqa: E402
from repo_tools.git.repo import clean_env, rev_parse  # noqa: E402

UNITS = 10
PLAIN_MAX = 2000  # larger cities skip the plain mkdocs peer (hours) and prune Material's navigation
TYPES = ["通知", "通报", "意见", "报告", "请示", "批复", "函", "纪要", "决定", "公告"]
COLUMNS = ["政务动态", "通知公告", "工作交流", "学习园地", "便民服务"]
PHRASES = [
    "为进一步加强协同办公系统建设", "提高行政效能和服务水平", "现就有关事项通知如下", "各单位要高度重视",
    "明确分管负责人和系统管理员", "按照市政府统一部署", "切实做好电子公文传输工作", "认真组织实施",
    "确保各项措施落到实处", "加强信息安全保障", "严格执行保密规定", "涉密公文仍按纸质形式运行",
    "建立健全工作机制", "定期开展督促检查", "及时报送工作进展情况", "推进政务公开和信息共享",
    "优化审批流程", "提升群众满意度", "加快数字政府建设", "做好年度目标考核",
    "强化财政预算管理", "规范资金使用", "推动教育优质均衡发展", "加强安全生产监管",
]


def sentence(rng: random.Random) -> str:
    return "，".join(rng.choice(PHRASES) for _ in range(rng.randint(3, 6))) + "。"


def body(rng: random.Random, paragraphs: int = 4) -> str:
    return "\n\n".join("".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(paragraphs))


def document_md(n: int, rng: random.Random, year: int, unit_name: str) -> str:
    kind = TYPES[n % len(TYPES)]
    title = f"关于{rng.choice(PHRASES)}的{kind}（第{n}号）"
    return (f"---\ntype: {kind}\ntitle: {title}\nrecipients: [各县区人民政府, 市政府各部门]\n"
            f"date: {year}-{1 + n % 12:02d}-{1 + n % 28:02d}\nprinted_by: {unit_name}\n---\n\n{body(rng)}\n")


def bulletin_md(n: int, rng: random.Random, column: str, day: str) -> str:
    return f"---\ntitle: {rng.choice(PHRASES)}（信息{n}）\ncolumn: {column}\ndate: {day}\n---\n\n{body(rng, 2)}\n"


def fast_import(repo: Path, files: dict[str, str], message: str) -> None:
    """One commit on main with `files`, written straight into the bare repository (no hooks)."""
    parent = rev_parse(repo, "refs/heads/main", env=clean_env())
    chunks = [f"commit refs/heads/main\ncommitter 基准测试 <bench@oa.local> {int(time.time())} +0800\n"]
    msg = message.encode()
    chunks.append(f"data {len(msg)}\n{message}\n")
    if parent:
        chunks.append(f"from {parent}\n")
    out = ["".join(chunks).encode()]
    for path, text in files.items():
        data = text.encode()
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    out.append(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=repo, env=clean_env(),
                   input=b"".join(out), check=True)


def make_city(root: Path, docs: int, bulletins: int, markdown_dir: Path | None) -> City:
    """A city of UNITS units holding `docs` documents and `bulletins` bulletins in total."""
    city = city_mod.init(root)
    rng = random.Random(42)
    for u in range(UNITS):
        city_mod.add_unit(city, "admin", f"u{u:02d}", f"六安市第{u + 1}局", [f"六{u + 1}局"])
    for u in range(UNITS):
        unit = f"u{u:02d}"
        files: dict[str, str] = {}
        for n in range(u, docs, UNITS):
            year = 2010 + n % 10
            files[f"documents/{year}/doc-{n:05d}/index.md"] = document_md(n, rng, year, f"六安市第{u + 1}局")
        for n in range(u, bulletins, UNITS):
            column = COLUMNS[n % len(COLUMNS)]
            day = f"{2010 + n % 10}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            files[f"bulletins/{column}/{day}-b{n:05d}/index.md"] = bulletin_md(n, rng, column, day)
        fast_import(city.unit_repo(unit), files, f"基准测试内容：{unit}")
        if markdown_dir is not None:
            for path, text in files.items():
                target = markdown_dir / unit / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    city.stop_agents()
    return city


def one_more(city: City, markdown_dir: Path | None, n: int) -> None:
    rng = random.Random(n)
    path = f"documents/2019/new-{n}/index.md"
    text = document_md(100000 + n, rng, 2019, "六安市第1局")
    fast_import(city.unit_repo("u00"), {path: text}, "基准测试：新增一件公文")
    if markdown_dir is not None:
        target = markdown_dir / "u00" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def search_bytes(site: Path, word: str) -> dict[str, int] | None:
    """Bytes a real browser downloads for a first query on the search page (None: no chromium)."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import sync_playwright

    from repo_tools.site.serve import make_server
    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sizes: dict[str, int] = {"pagefind": 0, "page": 0, "requests": 0}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()

            def count(response):  # type: ignore[no-untyped-def]
                try:
                    size = len(response.body())
                except Exception:
                    return
                sizes["requests"] += 1
                sizes["pagefind" if "/_pagefind" in response.url else "page"] += size
            page.on("response", count)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/search/?q={word}")
            page.wait_for_selector(".pagefind-ui__result", timeout=60000)
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return sizes


def mkdocs_peer(markdown_dir: Path, work: Path, theme: str, extra: dict | None = None) -> dict[str, float]:
    """Plain `mkdocs build` on the same Markdown: full, then `--dirty` after one new document."""
    config = {"site_name": "peer", "docs_dir": str(markdown_dir), "site_dir": str(work / f"site-{theme}"),
              "theme": {"name": theme, **(extra or {})}, "plugins": ["search"]}
    yml = work / f"mkdocs-{theme}.yml"
    yml.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml)]
    full, _ = timed(subprocess.run, cmd, check=True, capture_output=True)
    return {"full": full, "site": str(work / f"site-{theme}")}  # type: ignore[dict-item]


def bench_size(docs: int, bulletins: int, peers: bool, browser: bool, log: list[str]) -> dict:
    from repo_tools.site import build_site
    base = Path(tempfile.mkdtemp(prefix="oab", dir="/tmp"))
    markdown_dir = base / "md" if peers else None
    try:
        t_gen, city = timed(make_city, base / "c", docs, bulletins, markdown_dir)
        out = base / "site"
        t_full, full = timed(build_site, city, out)
        t_noop, _ = timed(build_site, city, out)
        incs = []
        for n in range(5):
            one_more(city, markdown_dir, n)
            t_inc, inc = timed(build_site, city, out)
            incs.append((t_inc, inc))
        row = {"docs": docs, "bulletins": bulletins, "generate": t_gen, "full": t_full,
               "full_phases": full.seconds, "noop": t_noop,
               "incremental": [round(t, 3) for t, _ in incs], "inc_phases": incs[-1][1].seconds,
               "inc_replayed": [i.replayed for _, i in incs],
               "inc_rendered": len(incs[-1][1].rendered), "inc_search": incs[-1][1].search,
               "files": sum(1 for _ in Path(os.path.realpath(out)).rglob("*") if _.is_file()),
               "pagefind_bytes": sum(p.stat().st_size for bundle in out.glob("_pagefind*")
                                     for p in bundle.rglob("*") if p.is_file())}
        if browser:
            row["search"] = search_bytes(out, "协同办公")
        if peers and markdown_dir is not None:
            if docs <= PLAIN_MAX:  # the mkdocs theme lists every page on every page: quadratic
                plain_full, _ = timed(subprocess.run, [sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                                                       str(_peer_yml(base, markdown_dir, "mkdocs"))],
                                      check=True, capture_output=True)
                plain_index = _size(base / "site-mkdocs" / "search" / "search_index.json")  # before --dirty
                one_more(city, markdown_dir, 99)
                plain_dirty, _ = timed(subprocess.run, [sys.executable, "-m", "mkdocs", "build", "-q", "--dirty",
                                                        "-f", str(_peer_yml(base, markdown_dir, "mkdocs"))],
                                       check=True, capture_output=True)
                row["peer_plain"] = {"full": plain_full, "dirty": plain_dirty, "search_index": plain_index}
            if _has_material():
                prune = docs > PLAIN_MAX  # default Material navigation is quadratic: 22.5 s at 1,000 pages
                yml = _peer_yml(base, markdown_dir, "material", prune)
                mat_full, _ = timed(subprocess.run, [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml)],
                                    check=True, capture_output=True)
                row["peer_material"] = {"full": mat_full, "prune": prune,
                                        "search_index": _size(base / "site-material" / "search" / "search_index.json")}
        log.append(json.dumps(row, ensure_ascii=False, default=str))
        print(log[-1], flush=True)
        city.stop_agents()
        return row
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _has_material() -> bool:
    try:
        import material  # noqa: F401
        return True
    except ImportError:
        return False


def _peer_yml(base: Path, markdown_dir: Path, theme: str, prune: bool = False) -> Path:
    theme_cfg: dict = {"name": theme}
    if theme == "material" and prune:
        theme_cfg["features"] = ["navigation.prune"]
    config = {"site_name": "peer", "docs_dir": str(markdown_dir), "site_dir": str(base / f"site-{theme}"),
              "theme": theme_cfg, "plugins": ["search"]}
    yml = base / f"mkdocs-{theme}.yml"
    yml.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return yml


def table(rows: list[dict]) -> str:
    lines = ["| city | our full build | our rebuild after 1 new document (5 runs; the first two fill the spare slots) | no-op rebuild | pages rendered on rebuild | search bundle | first query downloads |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r.get("search") or {}
        first = f"{s.get('pagefind', 0) / 1024:.0f} KB Pagefind ({s.get('requests', 0)} requests)" if s else "n/a"
        lines.append(f"| {r['docs']:,} documents + {r['bulletins']:,} bulletins | {r['full']:.1f} s | "
                     f"{', '.join(f'{t:.2f}' for t in r['incremental'])} s | {r['noop']:.2f} s | {r['inc_rendered']} | "
                     f"{r['pagefind_bytes'] / 1e6:.1f} MB in fragments | {first} |")
    peers = [r for r in rows if "peer_plain" in r or "peer_material" in r]
    if peers:
        lines += ["", "| city | plain `mkdocs build` (mkdocs theme) | its `--dirty` after 1 change | its search_index.json | MkDocs Material | Material search_index.json (one file, every reader downloads it) | ratio: Material full / our full | ratio: plain --dirty / our best rebuild |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in peers:
            p, m = r.get("peer_plain"), r.get("peer_material")
            plain = (f"{p['full']:.1f} s | {p['dirty']:.2f} s | {p['search_index'] / 1e6:.1f} MB" if p
                     else "not run (quadratic navigation) | — | —")
            mat = (f"{m['full']:.1f} s{' (navigation.prune)' if m['prune'] else ' (default navigation)'}" if m
                   else "not installed")
            mat_idx = f"{m['search_index'] / 1e6:.1f} MB" if m else "—"
            ratio_full = f"{m['full'] / r['full']:.1f}×" if m else "—"
            ratio_dirty = f"{p['dirty'] / min(r['incremental']):.1f}×" if p else "—"
            lines.append(f"| {r['docs']:,} + {r['bulletins']:,} | {plain} | {mat} | {mat_idx} | {ratio_full} | {ratio_dirty} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--bulletins", type=int, default=2000)
    parser.add_argument("--also", type=int, nargs="*", default=[1000], help="smaller cities (documents)")
    parser.add_argument("--peers", action="store_true", help="also run plain mkdocs / Material")
    parser.add_argument("--browser", action="store_true", help="measure a first query in headless Chromium")
    parser.add_argument("--record", type=Path, default=None, help="write the tables (Markdown) to this file")
    args = parser.parse_args()
    log: list[str] = []
    rows = [bench_size(n, max(1, n // 5), args.peers, args.browser, log) for n in args.also]
    rows.append(bench_size(args.docs, args.bulletins, args.peers, args.browser, log))
    text = table(rows)
    print(text)
    if args.record:
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(text + "\n\n<details><summary>raw</summary>\n\n```\n" + "\n".join(log) +
                               "\n```\n</details>\n", encoding="utf-8")


if __name__ == "__main__":
    main()
