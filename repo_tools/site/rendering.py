"""Rendering pages with MkDocs, and, on big builds, in worker processes side by side.

A full build of a large city renders every document page and indexes it for search. Both are
CPU-bound and MkDocs renders on one core, so the pages of each search bundle are rendered *and*
indexed by their own worker process, while this process renders the listings, static files and
recent pages. A build that remakes no bundle and renders few pages (the usual incremental one)
stays in one process.

Workers are forked by hand rather than with multiprocessing or concurrent.futures: the page plans
hold closures (they cannot be pickled for a spawned process), and a forked pool worker keeps
every pipe of this process open, so a `git cat-file` reader closed here meanwhile would wait
forever for its end of file. Our worker closes every inherited descriptor first, freezes what it
inherited from the garbage collector, and leaves with `os._exit`, so nothing of ours is touched.
"""
from __future__ import annotations

import gc
import logging
import os
import pickle
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from repo_tools.site import search
from repo_tools.site.pages import PagePlan
from repo_tools.resources import project_path
from repo_tools.messages import say

MKDOCS_YML = project_path("mkdocs.yml")
PARALLEL_MIN = 400  # fewer pages than this (and no bundle to remake): one process is quicker


@dataclass
class Rendered:
    """What rendering wrote: the pages MkDocs rendered and every site path it wrote."""
    pages: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)

    def add(self, other: "Rendered") -> None:
        self.pages += other.pages
        self.written |= other.written


def render_pages(generation: Path, store: Path, plans: list[PagePlan], extra: dict[str, Any],
                 pages_only: bool = False) -> Rendered:
    """Run MkDocs over the given page plans only, writing into the generation folder.
    `pages_only`: a worker's build, which leaves static files and the 404 page to the main one."""
    docs = store / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    config = load_config(config_file=str(MKDOCS_YML), site_dir=str(generation), docs_dir=str(docs))
    plugin = config.plugins["oa-site"]
    plugin.plans = plans
    plugin.extra = extra
    plugin.pages_only = pages_only
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the "dirty build" warning is expected: we choose the pages
    try:
        mkdocs_build(config, dirty=True)
    finally:
        logger.setLevel(level)
    return Rendered(list(plugin.rendered), set(plugin.written))


@dataclass
class _Shard:
    """One worker's share: the item pages of one search bundle, and whether to remake it."""
    number: int
    plans: list[PagePlan]
    index: list[str] | None   # the bundle's pages to index, or None: the bundle stays


class WorkerError(RuntimeError):
    """A rendering worker failed (its traceback is in the message); the build is discarded."""


def _fork(task: Callable[[], Rendered]) -> tuple[int, int]:
    """Run `task` in a forked child; returns (pid, the descriptor its result comes back on)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    code = 0
    try:
        os.closerange(3, write_end)
        os.closerange(write_end + 1, os.sysconf("SC_OPEN_MAX"))
        gc.freeze()
        payload = pickle.dumps(("ok", task()))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        payload = pickle.dumps(("error", traceback.format_exc()))
        code = 1
    try:
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    finally:
        os._exit(code)


def _join(pid: int, read_end: int) -> Rendered:
    with os.fdopen(read_end, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    if not data:
        raise WorkerError(say("site.rendering._join.1"))
    status, value = pickle.loads(data)  # noqa: S301 - our own child's bytes
    if status != "ok":
        raise WorkerError(say("site.rendering._join.2", value=value))
    return value  # type: ignore[no-any-return]


def _shard_task(shard: _Shard, generation: Path, store: Path, extra: dict[str, Any]
                ) -> Callable[[], Rendered]:
    def run() -> Rendered:
        done = render_pages(generation, store, shard.plans, extra, pages_only=True)
        if shard.index is not None:
            search.index_bundle(generation, shard.index, search.bundle(shard.number))
        return done
    return run


def render_and_index(generation: Path, store: Path, plans: list[PagePlan], extra: dict[str, Any],
                     search_plan: search.SearchPlan, bundle_at: str | None = None) -> Rendered:
    """Render `plans` and remake the base search bundles the plan names (not the delta).
    `bundle_at`: an overlay's one bundle, made here in this process (an overlay is small)."""
    if bundle_at is not None:
        done = render_pages(generation, store, plans, extra)
        if search_plan.rebuild:
            search.index_bundle(generation, sorted(search_plan.shards[0]), bundle_at)
            done.written.add(bundle_at)
        return done
    owner = search_plan.shard_of()
    rebuild = set(search_plan.rebuild)
    shards = {n: _Shard(n, [], sorted(search_plan.shards[n]) if n in rebuild else None)
              for n in range(len(search_plan.shards))}
    rest: list[PagePlan] = []
    for plan in plans:
        n = owner.get(plan.url) if plan.searchable else None
        (shards[n].plans if n is not None else rest).append(plan)
    work = [s for s in shards.values() if s.plans or s.index is not None]
    if not rebuild and sum(len(s.plans) for s in work) < PARALLEL_MIN:
        return render_pages(generation, store, plans, extra)
    workers = [_fork(_shard_task(s, generation, store, extra)) for s in work]
    done = Rendered()
    try:
        done.add(render_pages(generation, store, rest, extra))
    finally:
        results = []
        for pid, read_end in workers:  # always reap every worker, even when this part failed
            try:
                results.append(_join(pid, read_end))
            except WorkerError as exc:
                results.append(exc)
    for result in results:
        if isinstance(result, WorkerError):
            raise result
        done.add(result)
    for n in rebuild:
        done.written.add(search.bundle(n))
    return done
