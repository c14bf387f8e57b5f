"""Search with Pagefind (its extended binary segments Chinese; the index is split into fragments
that a reader's browser loads on demand, so a first query downloads a small part of it).

Pagefind cannot update an index in place, so the searchable pages are kept in a few bundles that
the browser merges (`mergeIndex`):
- SHARDS *base* bundles that together hold every page when they were made. A full build splits the
  pages between them and indexes them side by side, each in the worker process that rendered its
  pages (Pagefind's own writing is mostly on one core; two bundles keep both cores busy). When a
  page of a bundle changes or disappears, only that bundle is remade.
- one small *delta* bundle of the pages added since, remade on each incremental build. When it
  grows past DELTA_LIMIT pages, the pages are split again and every base bundle is remade.
`_pagefind` (shard 0) also carries Pagefind's UI files, so it always exists.

The overlays' bundles (one per unit or person with something of their own, overlays.py) are small
and many: they are made together by one Pagefind process in its service mode (`index_bundles`).
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pagefind.service import get_executable
from repo_tools.messages import say

from repo_tools.git.atomic import write_atomic

BASE = "_pagefind"
DELTA = "_pagefind_delta"
SHARDS = 2
DELTA_LIMIT = 300
GLOB = "{documents,bulletins}/**/index.html"
PLACEHOLDER = "search/index.html"  # indexed only when nothing is published: Pagefind needs a page


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site (the build is discarded; the live site stays)."""


def bundle(shard: int) -> str:
    """The folder of a base bundle in the site."""
    return BASE if shard == 0 else f"{BASE}_{shard}"


@dataclass
class SearchPlan:
    """What this build does to the search bundles, decided before any page is rendered."""
    shards: list[dict[str, str]]      # the base bundles after this build: url -> content key
    rebuild: list[int]                # base bundles remade from their pages
    delta: dict[str, str] | None      # pages of the new delta bundle; None: the delta stays as it is

    @property
    def mode(self) -> str:
        if self.rebuild:
            return "base"
        return "unchanged" if self.delta is None else "delta"

    def shard_of(self) -> dict[str, int]:
        return {url: n for n, shard in enumerate(self.shards) for url in shard}


def plan(searchable: dict[str, str], shards: list[dict[str, str]], delta: dict[str, str],
         site: Path, fresh: bool) -> SearchPlan:
    """Which bundles to remake, from the pages' content keys and the last build's bundles."""
    in_base = {url for shard in shards for url in shard}
    added = {u: k for u, k in searchable.items() if u not in in_base}
    missing = any(shard and not (site / bundle(n)).exists() for n, shard in enumerate(shards))
    if fresh or len(shards) != SHARDS or len(added) > DELTA_LIMIT or missing or not (site / BASE).exists():
        urls = sorted(searchable)
        split = [{u: searchable[u] for u in urls[n::SHARDS]} for n in range(SHARDS)]
        return SearchPlan(split, list(range(SHARDS)), {})
    kept = [{u: searchable[u] for u in shard if u in searchable} for shard in shards]
    rebuild = [n for n, shard in enumerate(shards) if any(searchable.get(u) != k for u, k in shard.items())]
    unchanged = added == delta and ((site / DELTA).exists() or not added)
    return SearchPlan(kept, rebuild, None if unchanged else added)


def _pagefind(site: Path, out: Path, glob: str = GLOB) -> None:
    """Run Pagefind's command line over `site`. Not its Python API: that API's service client
    waits 0.1 s for every reply (a 300-page delta took 30 s), and its service indexes one page at
    a time where the command line parses pages on every core."""
    binary = get_executable()
    if binary is None:
        raise SearchIndexError(say("site.search._pagefind.1"))
    done = subprocess.run([str(binary), "--site", str(site), "--glob", glob,
                           "--output-path", str(out), "--silent"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SearchIndexError(say("site.search._pagefind.2",
                                   value=done.stderr.strip() or done.stdout.strip()))


UNUSED = ("pagefind-component-ui.css", "pagefind-component-ui.js", "pagefind-modular-ui.css",
          "pagefind-modular-ui.js", "pagefind-highlight.js")
CREDIT = re.compile(r" ?<https?://[^>\"]+>")


def _offline(folder: Path) -> None:
    """Keep the bundle free of outside addresses: drop the UI variants the site does not use,
    credit links in the UI's translations, and use localhost as the URL *parse base* that
    pagefind.js hard-codes (it is never fetched; only the path part is kept)."""
    for name in UNUSED:
        (folder / name).unlink(missing_ok=True)
    for path in folder.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        fixed = CREDIT.sub("", text.replace("https://example.com", "http://localhost"))
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def index_bundle(site: Path, urls: list[str], name: str) -> None:
    """(Re)make the bundle `name` of the generation folder `site` from the pages `urls` (already
    rendered there). A bundle with no pages is removed, except `_pagefind`, which the search page
    loads: it then indexes a page with no text."""
    if not urls and name != BASE:
        drop(site, name)
        return
    flat = name.replace("/", "-")  # an overlay's bundle lives in a subfolder (overlays.py)
    fresh = site / f".{flat}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f".{flat}-src-", dir=site.parent) as tmp:
        _link_pages(site, urls, Path(tmp))  # beside the generation, on the same file system
        if not urls:
            stub = Path(tmp) / PLACEHOLDER
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text('<!doctype html><html lang="zh-CN"><body><main data-pagefind-body>'
                            f'<h1>{say("site.search.index_bundle.2")}</h1></main></body></html>', encoding="utf-8")
        _pagefind(Path(tmp), fresh, GLOB if urls else PLACEHOLDER)
    _offline(fresh)
    drop(site, name)
    (site / name).parent.mkdir(parents=True, exist_ok=True)
    fresh.rename(site / name)


@dataclass
class BundleJob:
    """One bundle to (re)make: the pages `urls` of the generation folder `site`, into `name`."""
    site: Path
    urls: list[str]
    name: str


def index_bundles(jobs: list[BundleJob], indexer: Indexer | None = None) -> None:
    """(Re)make many small bundles (the overlays', one per unit or person) with one Pagefind
    process (`Indexer`); each replaces its old bundle only once every bundle is written whole,
    and a job without pages removes its bundle. `indexer`: one started earlier (warmed up while
    the pages were rendered), else one is started here; it is closed either way."""
    work = [job for job in jobs if job.urls]
    try:
        if work:
            indexer = indexer if indexer is not None else Indexer()
            try:
                indexer.index(work)
            except BaseException:
                for job in work:  # nothing half made stays beside the generation
                    shutil.rmtree(job.site / f".{job.name.replace('/', '-')}.new", ignore_errors=True)
                raise
    finally:
        if indexer is not None:
            indexer.close()
    for job in work:
        flat = job.name.replace("/", "-")
        fresh = job.site / f".{flat}.new"
        _offline(fresh)
        drop(job.site, job.name)
        (job.site / job.name).parent.mkdir(parents=True, exist_ok=True)
        fresh.rename(job.site / job.name)
    for job in jobs:
        if not job.urls:
            index_bundle(job.site, [], job.name)  # removed (`_pagefind`: a page with no text)


def _warm_up_page() -> str:
    """A throw-away page in Chinese: Pagefind loads its dictionary with the first such page."""
    return ('<!doctype html><html lang="zh-CN"><body><main data-pagefind-body><p>'
            f'{say("site.search.warm_up.1")}</p></main></body></html>')


class Indexer:
    """One Pagefind process in its service mode (`pagefind --service`), for a batch of bundles:
    it keeps one index per bundle in memory and writes each where it is asked. One process
    instead of one per bundle: a Pagefind run costs about half a second before it indexes
    anything (start-up, the Chinese dictionary it loads with the first page, the UI files),
    which was most of the time of a hundred overlays. Started before the pages are rendered, it
    is handed one throw-away page at once, so the dictionary loads on the other core while
    MkDocs renders."""

    def __init__(self) -> None:
        binary = get_executable()
        if binary is None:
            raise SearchIndexError(say("site.search._pagefind.1"))
        self.errors = tempfile.TemporaryFile()
        self.service = _Service(binary, self.errors)
        try:
            scratch = self.service.ask([{"type": "NewIndex", "config": None}])[0]
            self.service.post([{"type": "AddFile", "index_id": scratch["index_id"], "url": "/warm-up/",
                                "file_contents": _warm_up_page()}])  # its reply is read (and dropped) later
        except BaseException:
            self.close()
            raise

    def index(self, work: list[BundleJob]) -> None:
        """Every bundle of `work` written into `.<name>.new` beside its generation."""
        with contextlib.ExitStack() as stack:
            sources: list[Path] = []
            for job in work:
                flat = job.name.replace("/", "-")
                shutil.rmtree(job.site / f".{flat}.new", ignore_errors=True)
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f".{flat}-src-",
                                                                           dir=job.site.parent)))
                _link_pages(job.site, job.urls, tmp)
                sources.append(tmp)
            ids = self.service.ask([{"type": "NewIndex", "config": None} for _ in work])
            requests: list[dict[str, Any]] = []
            for job, source, reply in zip(work, sources, ids, strict=True):
                index = reply["index_id"]
                flat = job.name.replace("/", "-")
                requests.append({"type": "AddDir", "index_id": index, "path": str(source), "glob": GLOB})
                requests.append({"type": "WriteFiles", "index_id": index,
                                 "output_path": str(job.site / f".{flat}.new")})
            replies = self.service.ask(requests)
            for job, added in zip(work, replies[0::2], strict=True):
                if int(added.get("page_count", -1)) != len(job.urls):
                    raise SearchIndexError(say("site.search._pagefind.2", value=f"{job.name}: {added}"))

    def close(self) -> None:
        self.service.close()
        self.errors.close()


def _link_pages(site: Path, urls: list[str], tmp: Path) -> None:
    """Hard links of just these pages at their own paths, so Pagefind gives them their URLs."""
    for url in urls:
        target = tmp / url / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.hardlink_to(site / url / "index.html")
        except FileNotFoundError as exc:
            raise SearchIndexError(say("site.search.index_bundle.1", url=url)) from exc


class _Service:
    """`pagefind --service`: base64 JSON messages, each ended by a comma, on stdin and stdout."""

    def __init__(self, binary: Path, errors: IO[bytes]) -> None:
        self.errors = errors
        self.process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=errors)
        self.sent = 0
        self.buffer = b""

    def _encode(self, requests: list[dict[str, Any]]) -> tuple[int, bytes]:
        first = self.sent + 1
        self.sent += len(requests)
        return first, b"".join(base64.b64encode(json.dumps({"message_id": first + n, "payload": r}).encode()) + b","
                               for n, r in enumerate(requests))

    def post(self, requests: list[dict[str, Any]]) -> None:
        """Send small requests without waiting for their replies (`ask` drops them later)."""
        _, data = self._encode(requests)
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def ask(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send every request (from a thread, while this one reads the replies: neither pipe can
        fill up and stall the other side); the replies' payloads in request order."""
        first, data = self._encode(requests)
        failed: list[BaseException] = []

        def write() -> None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except BaseException as exc:  # noqa: BLE001 - reported below, after the replies
                failed.append(exc)
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        replies: dict[int, dict[str, Any]] = {}
        try:
            while len(replies) < len(requests):
                message = self._read()
                payload = message.get("payload") or {}
                ident = message.get("message_id")
                if ident is not None and not first <= int(ident) < first + len(requests):
                    continue  # a reply to a request posted earlier (the warm-up)
                if payload.get("type") == "Error" or ident is None:
                    raise SearchIndexError(say("site.search._pagefind.2", value=str(payload.get("message"))[:400]))
                replies[int(ident)] = payload
        except BaseException:
            self.process.kill()  # the writer cannot then wait for a reader that stopped
            raise
        finally:
            writer.join()
        if failed:
            raise SearchIndexError(say("site.search._pagefind.2", value=str(failed[0])))
        return [replies[first + n] for n in range(len(requests))]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        while b"," not in self.buffer:
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                self.errors.seek(0)
                raise SearchIndexError(say("site.search._pagefind.2",
                                           value=self.errors.read().decode("utf-8", "replace").strip()[:400]))
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b",")
        return dict(json.loads(base64.b64decode(message)))

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def drop(site: Path, name: str) -> None:
    if (site / name).exists():
        shutil.rmtree(site / name)


def write_search_config(site: Path, merge: list[str]) -> None:
    """assets/search-config.js: the bundles the search page merges into `_pagefind`'s (replaced,
    not rewritten in place)."""
    bundles = [{"bundlePath": f"/{name}/"} for name in merge]
    target = site / "assets" / "search-config.js"
    write_atomic(target, f"window.OA_SEARCH_MERGE = {json.dumps(bundles)};\n".encode())
