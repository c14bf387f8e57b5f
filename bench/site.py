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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from content import COLUMNS, PHRASES, TYPES, body, bulletin_md, document_md, sentence  # noqa: E402,F401
from repo_tools import city as city_mod  # noqa: E402
from repo_tools.city import City  # noqa: E402
from repo_tools.git.repo import clean_env, rev_parse  # noqa: E402

UNITS = 10
PLAIN_MAX = 2000  # larger cities skip the plain mkdocs peer (hours) and prune Material's navigation


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


# The sealed city (issue 20): 100 units, every document sealed, approved, signed off and logged ---
TARGETS = {"full_warm": "≤ Hugo + Pagefind (same content, same run)", "full_cold": "≤ 2 × (Hugo + Pagefind)",
           "incremental": "≤ 2 s, within 25 % from 1,000 to 50,000 documents", "first_query": "well under 1 MB"}
HUGO_CONFIG = """baseURL = "http://localhost/"
languageCode = "zh-cn"
defaultContentLanguage = "zh"
hasCJKLanguage = true
title = "peer"
disableKinds = ["taxonomy", "term", "RSS", "sitemap"]
[pagination]
  pagerSize = 20
paginate = 20
[markup.goldmark.renderer]
  unsafe = false
"""
# Hugo's layouts for the peer: a page with its title, the document's elements and its body, and
# paginated section listings (20 a page, as ours), each page in the same Chinese HTML shell.
HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><header><a href="/">首页</a></header><main data-pagefind-body>{{ block "main" . }}{{ end }}</main></body></html>""",
    "_default/single.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<p>{{ with .Params.number }}{{ . }} {{ end }}{{ with .Params.type }}{{ . }} {{ end }}{{ .Date.Format "2006-01-02" }}</p>
<p>主送：{{ delimit (.Params.recipients | default (slice)) "、" }}</p>{{ .Content }}
<p>{{ .Params.printed_by }}</p>{{ end }}""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ with .Paginator }}{{ if .HasPrev }}<a href="{{ .Prev.URL }}">上一页</a>{{ end }}{{ if .HasNext }}<a href="{{ .Next.URL }}">下一页</a>{{ end }}{{ end }}{{ end }}""",
}


def export_markdown(city: City, target: Path) -> int:
    """The same content as ours, as Markdown files: each unit's documents/ and bulletins/ at `main`
    (`git archive`), under <unit>/. Returns the number of index.md files."""
    for unit in sorted(city.registry().units):
        repo = city.unit_repo(unit)
        if rev_parse(repo, "refs/heads/main", env=clean_env()) is None:
            continue
        dest = target / unit
        dest.mkdir(parents=True, exist_ok=True)
        tree = subprocess.run(["git", "ls-tree", "--name-only", "main"], cwd=repo, env=clean_env(),
                              capture_output=True, text=True, check=True).stdout.split()
        paths = [p for p in ("documents", "bulletins") if p in tree]
        if not paths:
            continue
        archive = subprocess.run(["git", "archive", "--format=tar", "main", *paths], cwd=repo, env=clean_env(),
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return sum(1 for _ in target.rglob("index.md"))


def hugo_peer(markdown_dir: Path, work: Path) -> dict:
    """Hugo on the same Markdown, then Pagefind (the same binary as ours) on Hugo's output."""
    from pagefind.service import get_executable
    site = work / "hugo"
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        path = site / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    content = site / "content"
    if content.exists():
        shutil.rmtree(content)
    shutil.copytree(markdown_dir, content)
    t_hugo, done = timed(subprocess.run, ["hugo", "--quiet", "--source", str(site), "--destination", str(site / "public")],
                         capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"hugo failed: {done.stderr[-2000:]}")
    pages = sum(1 for _ in (site / "public").rglob("index.html"))
    binary = get_executable()
    t_pf, done = timed(subprocess.run, [str(binary), "--site", str(site / "public"), "--silent"],
                       capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pagefind failed: {done.stderr[-2000:]}")
    bundle = sum(p.stat().st_size for p in (site / "public" / "pagefind").rglob("*") if p.is_file())
    return {"hugo_s": round(t_hugo, 2), "pagefind_s": round(t_pf, 2), "hugo_pages": pages, "hugo_pagefind_bytes": bundle}


def material_peer(markdown_dir: Path, work: Path) -> dict | None:
    """MkDocs Material with its search, navigation as a user of a big site configures it: the
    navigation built from the folders (unit / documents / year) with `navigation.sections`,
    `navigation.indexes` and `navigation.prune` (Material's advice for large sites: each page
    renders only the visible part of the navigation)."""
    if not _has_material():
        return None
    config = {"site_name": "peer", "docs_dir": str(markdown_dir), "site_dir": str(work / "site-material"),
              "theme": {"name": "material", "language": "zh",
                        "features": ["navigation.sections", "navigation.indexes", "navigation.prune"]},
              "plugins": ["search"]}
    yml = work / "mkdocs-material.yml"
    yml.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    t, done = timed(subprocess.run, [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml)],
                    capture_output=True, text=True)
    if done.returncode != 0:
        return {"material_s": None, "error": done.stderr[-500:]}
    return {"material_s": round(t, 2),
            "material_search_index_bytes": _size(work / "site-material" / "search" / "search_index.json")}


def bench_sealed(docs: int, bulletins: int, units: int, peers: bool, material: bool, browser: bool,
                 runs: int = 5) -> dict:
    """One sealed city: cold and warm full builds, no-op, `runs` rebuilds after one new document
    each, the first query's bytes; the peers on the same content."""
    import sealed_city

    from repo_tools.site import build_site
    say = lambda text: print(text, file=sys.stderr, flush=True)  # stdout ends with the JSON
    t_gen, cached = timed(sealed_city.cached_city, units, docs, bulletins, say)
    base = Path(tempfile.mkdtemp(prefix="oabs", dir="/tmp"))
    try:
        city = sealed_city.working_copy(cached, base / "c")
        row: dict = {"docs": docs, "bulletins": bulletins, "units": units, "sealed": True,
                     "city_ready_s": round(t_gen, 1)}
        shutil.rmtree(city.root / "server" / "verify-cache", ignore_errors=True)  # the cold case
        say("full build, empty signature cache (cold) ...")
        t_cold, cold = timed(build_site, city, base / "cold", full=True)
        say(f"  {t_cold:.1f} s {cold.seconds}")
        say("full build, warm signature cache ...")
        t_warm, warm = timed(build_site, city, base / "site", full=True)
        say(f"  {t_warm:.1f} s {warm.seconds}")
        shutil.rmtree(base / "cold", ignore_errors=True)
        shutil.rmtree(base / "cold-overlays", ignore_errors=True)
        t_noop, noop = timed(build_site, city, base / "site")
        say(f"no-op rebuild {t_noop:.2f} s {noop.seconds}")
        adder = sealed_city.adder(city)
        incs = []
        for n in range(runs):
            sealed_city.add_document(adder, sorted(adder.units)[n % len(adder.units)], n)
            t_inc, inc = timed(build_site, city, base / "site")
            say(f"rebuild after one new sealed document {t_inc:.2f} s {inc.seconds}")
            incs.append((t_inc, inc))
        out = base / "site"
        row.update({"full_cold_s": round(t_cold, 2), "full_warm_s": round(t_warm, 2), "noop_s": round(t_noop, 2),
                    "incremental_s": [round(t, 2) for t, _ in incs],
                    "cold_phases": cold.seconds, "warm_phases": warm.seconds, "noop_phases": noop.seconds,
                    "inc_phases": incs[-1][1].seconds, "inc_rendered": len(incs[-1][1].rendered),
                    "pages": warm.items,
                    "pagefind_bytes": sum(p.stat().st_size for bundle in out.glob("_pagefind*")
                                          for p in bundle.rglob("*") if p.is_file())})
        search = search_bytes(out, "协同办公") if browser else None
        row["first_query_bytes"] = (search["pagefind"] + search["page"]) if search else None
        row["first_query"] = search
        if peers:
            md = base / "md"
            say("exporting the same content as Markdown for the peers ...")
            row["peer_markdown_files"] = export_markdown(city, md)
            say("Hugo + Pagefind ...")
            row.update(hugo_peer(md, base))
            row["hugo_pagefind_s"] = round(row["hugo_s"] + row["pagefind_s"], 2)
            row["ratio_warm"] = round(t_warm / row["hugo_pagefind_s"], 2)
            row["ratio_cold"] = round(t_cold / row["hugo_pagefind_s"], 2)
            row["ratio_incremental"] = round(max(row["incremental_s"]) / row["hugo_pagefind_s"], 3)
            if material:
                say("MkDocs Material (navigation.sections + indexes + prune) ...")
                row.update(material_peer(md, base) or {"material_s": None})
        return row
    finally:
        shutil.rmtree(base, ignore_errors=True)


def sealed_table(rows: list[dict]) -> str:
    """Every figure with its target and the peer beside it."""
    lines = ["| sealed city (100 units) | full build, cold signature cache | full build, warm | Hugo + Pagefind, same content | "
             "ratio warm / peer (target ≤ 1) | ratio cold / peer (target ≤ 2) | rebuild after 1 new document (target ≤ 2 s) | "
             "no-op | first query (target ≪ 1 MB) | MkDocs Material |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        peer = f"{r['hugo_s']:.1f} + {r['pagefind_s']:.1f} = {r['hugo_pagefind_s']:.1f} s" if "hugo_s" in r else "not run"
        fq = f"{r['first_query_bytes'] / 1024:.0f} KB" if r.get("first_query_bytes") else "n/a (no browser)"
        mat = f"{r['material_s']:.0f} s" if r.get("material_s") else "not run"
        lines.append(f"| {r['docs']:,} documents + {r['bulletins']:,} bulletins | {r['full_cold_s']:.1f} s | "
                     f"{r['full_warm_s']:.1f} s | {peer} | {r.get('ratio_warm', '—')} | {r.get('ratio_cold', '—')} | "
                     f"{', '.join(f'{t:.2f}' for t in r['incremental_s'])} s | {r['noop_s']:.2f} s | {fq} | {mat} |")
    if len(rows) > 1:
        medians = [sorted(r["incremental_s"])[len(r["incremental_s"]) // 2] for r in rows]
        spread = (max(medians) - min(medians)) / min(medians) if min(medians) else 0
        lines.append("")
        lines.append(f"Incremental flatness (target < 25 %): medians {', '.join(f'{m:.2f}' for m in medians)} s, "
                     f"spread {spread * 100:.0f} %.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--bulletins", type=int, default=2000)
    parser.add_argument("--also", type=int, nargs="*", default=None,
                        help="smaller cities first (documents; bulletins a fifth); default 1000 unsealed, none sealed")
    parser.add_argument("--sealed", action="store_true", help="the sealed city of 100 units (bench/sealed_city.py)")
    parser.add_argument("--units", type=int, default=100, help="units of the sealed city")
    parser.add_argument("--runs", type=int, default=5, help="rebuilds after one new document (sealed)")
    parser.add_argument("--peers", action="store_true",
                        help="also run the peers: Hugo + Pagefind (sealed), plain mkdocs / Material (unsealed)")
    parser.add_argument("--material", type=int, default=0, metavar="MAX",
                        help="sealed: also MkDocs Material on the sizes up to MAX documents (slow: minutes)")
    parser.add_argument("--browser", action="store_true", help="measure a first query in headless Chromium "
                        "(always on with --json when Chromium is installed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the last size) on the last line")
    parser.add_argument("--record", type=Path, default=None, help="write the tables (Markdown) to this file")
    args = parser.parse_args()
    log: list[str] = []
    if args.sealed:
        browser = args.browser or (args.json and Path("/usr/bin/chromium").exists())
        sizes = [(n, max(1, n // 5)) for n in args.also or []] + [(args.docs, args.bulletins)]
        rows = [bench_sealed(n, b, args.units, args.peers, n <= args.material, browser, args.runs) for n, b in sizes]
        log = [json.dumps(r, ensure_ascii=False, default=str) for r in rows]
        text = sealed_table(rows)
    else:
        also = [1000] if args.also is None else args.also
        rows = [bench_size(n, max(1, n // 5), args.peers, args.browser, log) for n in also]
        rows.append(bench_size(args.docs, args.bulletins, args.peers, args.browser, log))
        text = table(rows)
    print(text)
    if args.record:
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(text + "\n\n<details><summary>raw</summary>\n\n```\n" + "\n".join(log) +
                               "\n```\n</details>\n", encoding="utf-8")
    if args.json:
        print(json.dumps(rows[-1], ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
