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
from typing import TYPE_CHECKING, Any, Callable, cast

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from repo_tools.site import search
from repo_tools.site.pages import PagePlan
from repo_tools.resources import project_path
from repo_tools.messages import say

if TYPE_CHECKING:
    from repo_tools.site.build import BuildReport, BuildRequest
    from repo_tools.site.plugin import SitePlugin

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


def _quiet_build(config: Any) -> None:
    """MkDocs' build of a configuration the plugin drives; its "dirty build" warning is expected:
    the plugin chooses the pages."""
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        mkdocs_build(config, dirty=True)
    finally:
        logger.setLevel(level)


def run_build(request: "BuildRequest") -> "BuildReport":
    """`oa site build`: MkDocs builds mkdocs.yml, its plugin collecting, planning and publishing
    what `request` asks (the same path as `mkdocs build -f mkdocs.yml` on a city)."""
    from repo_tools.site.publish import Publication
    docs = Publication(request.out).store / "docs"  # empty: every page comes from the plugin
    docs.mkdir(parents=True, exist_ok=True)
    config = load_config(config_file=str(MKDOCS_YML), site_dir=str(request.out), docs_dir=str(docs))
    plugin = cast("SitePlugin", config.plugins["oa-site"])
    plugin.run_for(config).request = request
    try:
        _quiet_build(config)
    finally:
        run = plugin.runs.pop(id(config), None)
    assert run is not None and run.report is not None
    return run.report


def render_pages(generation: Path, store: Path, plans: list[PagePlan], extra: dict[str, Any],
                 pages_only: bool = False) -> Rendered:
    """A nested MkDocs build of the given page plans only, writing into the generation folder
    (an overlay's pages, a worker's share). `pages_only`: a worker's build, which leaves static
    files and the 404 page to the main one."""
    docs = store / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    config = load_config(config_file=str(MKDOCS_YML), site_dir=str(generation), docs_dir=str(docs))
    plugin = cast("SitePlugin", config.plugins["oa-site"])
    run = plugin.run_for(config)
    run.plans, run.extra, run.pages_only = plans, extra, pages_only
    try:
        _quiet_build(config)
    finally:
        plugin.runs.pop(id(config), None)
    return Rendered(list(run.rendered), set(run.written))


@dataclass
class _Shard:
    """One worker's share: the item pages of one search bundle, and whether to remake it."""
    number: int
    plans: list[PagePlan]
    index: list[str] | None   # the bundle's pages to index, or None: the bundle stays


class WorkerError(RuntimeError):
    """A rendering worker failed (its traceback is in the message); the build is discarded."""


def fork_worker(task: Callable[[], Rendered]) -> tuple[int, int]:
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
        gc.enable()  # the parent may be planning with the collector off (build.SiteBuild)
        payload = pickle.dumps(("ok", task()))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        payload = pickle.dumps(("error", traceback.format_exc()))
        code = 1
    try:
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    finally:
        os._exit(code)


def join_worker(pid: int, read_end: int) -> Rendered:
    with os.fdopen(read_end, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    if not data:
        raise WorkerError(say("site.rendering.join_worker.1"))
    status, value = pickle.loads(data)  # noqa: S301 - our own child's bytes
    if status != "ok":
        raise WorkerError(say("site.rendering.join_worker.2", value=value))
    return value


def _shard_task(shard: _Shard, generation: Path, store: Path, extra: dict[str, Any],
                prepare: Callable[[list[PagePlan]], None] | None = None,
                finish: Callable[[], None] | None = None) -> Callable[[], Rendered]:
    def run() -> Rendered:
        if prepare is not None:
            prepare(shard.plans)
        done = render_pages(generation, store, shard.plans, extra, pages_only=True)
        if finish is not None:  # before the index: the worker leaves with os._exit
            finish()
        if shard.index is not None:
            search.index_bundle(generation, shard.index, search.bundle(shard.number))
        return done
    return run


class Rendering:
    """Rendering `plans` and remaking the base search bundles the plan names (not the delta), in
    two halves around the pages this process renders (`main`): the constructor forks the
    workers, `join` collects them. The plugin renders `main` in MkDocs' own pass of the build
    (plugin.py); a nested build (an overlay, a worker) renders them with `render_pages`.
    `bundle_at`: an overlay's one bundle, made here in this process (an overlay is small)."""

    def __init__(self, generation: Path, store: Path, plans: list[PagePlan], extra: dict[str, Any],
                 search_plan: search.SearchPlan, bundle_at: str | None = None,
                 prepare: Callable[[list[PagePlan]], None] | None = None,
                 done: Callable[[], None] | None = None) -> None:
        """`prepare`: called in each process with the pages it is about to render (a first
        build's signatures checked in one gpg run per process: build.prefetch_signatures); `done`: in each
        worker after its pages (what it judged written to the verification cache)."""
        self.generation, self.search_plan, self.bundle_at = generation, search_plan, bundle_at
        self.main: list[PagePlan] = plans
        self.workers: list[tuple[int, int]] = []
        self.forked = False
        self.rebuild = set(search_plan.rebuild)
        if bundle_at is not None:
            if prepare is not None:
                prepare(plans)
            return
        owner = search_plan.shard_of()
        shards = {n: _Shard(n, [], sorted(search_plan.shards[n]) if n in self.rebuild else None)
                  for n in range(len(search_plan.shards))}
        rest: list[PagePlan] = []
        for plan in plans:
            n = owner.get(plan.url) if plan.searchable else None
            (shards[n].plans if n is not None else rest).append(plan)
        work = [s for s in shards.values() if s.plans or s.index is not None]
        if not self.rebuild and sum(len(s.plans) for s in work) < PARALLEL_MIN:
            if prepare is not None:
                prepare(plans)
            return
        # Outside MkDocs' own pass, for speed: MkDocs renders on one core, so the pages of each
        # search bundle are rendered (by a nested build) and indexed in a forked worker while
        # this process renders the rest.
        self.workers = [fork_worker(_shard_task(s, generation, store, extra, prepare, done)) for s in work]
        self.forked = True
        self.main = rest
        if prepare is not None:
            prepare(rest)

    def join(self, main: Rendered) -> Rendered:
        """What was written in all: `main` (this process's pages) and every worker's."""
        done = Rendered()
        done.add(main)
        if self.bundle_at is not None:
            if self.search_plan.rebuild:
                search.index_bundle(self.generation, sorted(self.search_plan.shards[0]), self.bundle_at)
                done.written.add(self.bundle_at)
            return done
        results = self._reap()
        for result in results:
            if isinstance(result, WorkerError):
                raise result
            done.add(result)
        if self.forked:
            for n in self.rebuild:
                done.written.add(search.bundle(n))
        return done

    def abort(self) -> None:
        """After a failure: every worker is still reaped (their results are dropped)."""
        self._reap()

    def _reap(self) -> list[Rendered | WorkerError]:
        results: list[Rendered | WorkerError] = []
        workers, self.workers = self.workers, []
        for pid, read_end in workers:  # always reap every worker, even when this part failed
            try:
                results.append(join_worker(pid, read_end))
            except WorkerError as exc:
                results.append(exc)
        return results


def render_and_index(generation: Path, store: Path, plans: list[PagePlan], extra: dict[str, Any],
                     search_plan: search.SearchPlan, bundle_at: str | None = None) -> Rendered:
    """A nested build's rendering and indexing in one call (see `Rendering`)."""
    rendering = Rendering(generation, store, plans, extra, search_plan, bundle_at)
    try:
        main = render_pages(generation, store, rendering.main, extra)
    except BaseException:
        rendering.abort()
        raise
    return rendering.join(main)
