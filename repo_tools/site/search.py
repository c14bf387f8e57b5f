"""Search with Pagefind (its extended binary segments Chinese; the index is split into fragments
that a reader's browser loads on demand, so a first query downloads a small part of it).

Pagefind cannot update an index in place, so the site keeps two: a *base* index of every page,
made on a full build, and a small *delta* index of the pages added since, remade on each
incremental build and merged by the browser (`mergeIndex`). When the delta grows past
DELTA_LIMIT pages, or a page of the base changes or disappears, the base is remade.
"""
from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

from pagefind.index import IndexConfig, PagefindIndex

BASE = "_pagefind"
DELTA = "_pagefind_delta"
DELTA_LIMIT = 300
GLOB = "{documents,bulletins}/**/index.html"


async def _index_directory(site: Path, out: Path) -> None:
    config = IndexConfig(output_path=str(out))
    async with PagefindIndex(config) as index:
        await index.add_directory(path=str(site), glob=GLOB)


async def _index_pages(site: Path, urls: list[str], out: Path) -> None:
    config = IndexConfig(output_path=str(out))
    async with PagefindIndex(config) as index:
        for url in urls:
            html = (site / url / "index.html").read_text(encoding="utf-8")
            await index.add_html_file(content=html, url=f"/{url}")


UNUSED = ("pagefind-component-ui.css", "pagefind-component-ui.js", "pagefind-modular-ui.css",
          "pagefind-modular-ui.js", "pagefind-highlight.js")
CREDIT = re.compile(r" ?<https?://[^>\"]+>")


def _offline(bundle: Path) -> None:
    """Keep the bundle free of outside addresses: drop the UI variants the site does not use,
    credit links in the UI's translations, and use localhost as the URL *parse base* that
    pagefind.js hard-codes (it is never fetched; only the path part is kept)."""
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    for path in bundle.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        fixed = CREDIT.sub("", text.replace("https://example.com", "http://localhost"))
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def _replace(site: Path, name: str, fresh: Path) -> None:
    """Swap a bundle folder in a generation (rename; never writes into shared files)."""
    _offline(fresh)
    target = site / name
    if target.exists():
        shutil.rmtree(target)
    fresh.rename(target)


def build_base(site: Path) -> None:
    """Index every document and bulletin page of the generation folder `site`."""
    fresh = site / f".{BASE}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    asyncio.run(_index_directory(site, fresh))
    _replace(site, BASE, fresh)
    drop_delta(site)


def build_delta(site: Path, urls: list[str]) -> None:
    """Index only the pages `urls` (added since the base) into the delta bundle."""
    if not urls:
        drop_delta(site)
        return
    fresh = site / f".{DELTA}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    asyncio.run(_index_pages(site, urls, fresh))
    _replace(site, DELTA, fresh)


def drop_delta(site: Path) -> None:
    if (site / DELTA).exists():
        shutil.rmtree(site / DELTA)


def write_search_config(site: Path, has_delta: bool) -> None:
    """assets/search-config.js: which bundles the search page merges (replaced, not rewritten)."""
    merge = [{"bundlePath": f"/{DELTA}/"}] if has_delta else []
    target = site / "assets" / "search-config.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(f"window.OA_SEARCH_MERGE = {json.dumps(merge)};\n", encoding="utf-8")
    tmp.replace(target)

