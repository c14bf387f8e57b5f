"""Rendering the pages of many overlays in one pass of MkDocs, and indexing their search bundles
with one Pagefind process (overlays.py decides which overlays to build; this module builds them).

Each overlay is a site of its own (its own folder, slots and state, publish.py), and MkDocs writes
one site per build, so an overlay used to be one nested MkDocs build and one Pagefind run: about
four seconds each, most of it start-up (a configuration and a theme loaded, the templates
compiled, Pagefind's dictionary and UI files), for a handful of pages. Here one configuration,
one theme environment and one plugin run render the pages of every overlay that changed, each
into its own slot: for each overlay the plugin is handed its pages (`on_files`), MkDocs' own page
steps read and render them (`_populate_page`, `_build_page`, as `mkdocs build` does), and
`site_dir` points at that overlay's slot while its files are made, so every page keeps its URL
and its relative links. Overlays hold only their pages, never the theme's static files or the
404 page: a reader's other roots (the base) serve those.

MkDocs is pinned to 1.6.x (pyproject.toml): these are its internals, as the plugin's are.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from jinja2 import FileSystemBytecodeCache
from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.config import load_config
from mkdocs.structure.files import Files, set_exclusions
from mkdocs.structure.nav import get_navigation

from repo_tools.site import search
from repo_tools.site.pages import PagePlan
from repo_tools.site.rendering import MKDOCS_YML, PARALLEL_MIN, Rendered, fork_worker, join_worker

if TYPE_CHECKING:
    from repo_tools.site.plugin import SitePlugin


@dataclass
class PageJob:
    """One overlay's pages to render into its slot, with the data its templates get, and the
    pages of its search bundle to (re)make there afterwards (None: the bundle stays)."""
    slot: Path
    plans: list[PagePlan]
    extra: dict[str, Any] = field(default_factory=dict)
    bundle: str | None = None
    index: list[str] | None = None


def render_and_index(store: Path, jobs: list[PageJob], finish: Callable[[], None] | None = None) -> list[Rendered]:
    """Render every job's pages, then make the bundles they name; what each job wrote, in order.
    `store`: a folder of the overlays' own (MkDocs' empty docs folder, the templates' bytecode).

    A big batch (a first build: every overlay) is shared between this process and one forked
    worker (rendering.py's, for the same reasons), each rendering its half of the overlays in
    one MkDocs pass and indexing their bundles with one Pagefind process: both cores work.
    `finish`: called in the worker after its pages (it leaves with `os._exit`), e.g. to save what
    it judged to the verification cache."""
    pages = sum(len(job.plans) for job in jobs)
    if pages < PARALLEL_MIN or len(jobs) < 2:
        return _render_and_index(store, jobs)
    halves: tuple[list[int], list[int]] = ([], [])
    weight = [0, 0]
    for n in sorted(range(len(jobs)), key=lambda n: -len(jobs[n].plans)):
        side = 0 if weight[0] <= weight[1] else 1
        halves[side].append(n)
        weight[side] += len(jobs[n].plans) + 1
    theirs_jobs = [jobs[n] for n in halves[1]]
    def worker() -> Rendered:
        done = _render_and_index(store, theirs_jobs)
        if finish is not None:
            finish()
        return cast(Rendered, done)
    pid, read_end = fork_worker(worker)
    try:
        mine = _render_and_index(store, [jobs[n] for n in halves[0]])
    finally:
        theirs = cast("list[Rendered]", join_worker(pid, read_end))  # always reaped; its failure is raised
    done: dict[int, Rendered] = dict(zip(halves[0], mine, strict=True))
    done.update(zip(halves[1], theirs, strict=True))
    return [done[n] for n in range(len(jobs))]


def _render_and_index(store: Path, jobs: list[PageJob]) -> list[Rendered]:
    bundles = [search.BundleJob(job.slot, job.index, job.bundle) for job in jobs
               if job.bundle is not None and job.index is not None]
    # Pagefind starts (and loads its dictionary) on the other core while MkDocs renders.
    indexer = search.Indexer() if any(b.urls for b in bundles) else None
    try:
        done = render_overlay_pages(store, jobs)
    except BaseException:
        if indexer is not None:
            indexer.close()
        raise
    search.index_bundles(bundles, indexer)
    for job, written in zip(jobs, done, strict=True):
        if job.bundle is not None and job.index is not None:
            written.written.add(job.bundle)
    return done


def render_overlay_pages(store: Path, jobs: list[PageJob]) -> list[Rendered]:
    """Render every job's pages (one MkDocs configuration for all); what each wrote, in order."""
    if not jobs:
        return []
    import logging
    docs = store / "docs"  # empty: every page comes from the plugin
    docs.mkdir(parents=True, exist_ok=True)
    config = load_config(config_file=str(MKDOCS_YML), site_dir=str(jobs[0].slot), docs_dir=str(docs))
    plugin = cast("SitePlugin", config.plugins["oa-site"])
    run = plugin.run_for(config)
    run.plans, run.pages_only = [], True   # pages only: static files and the 404 page are the base's
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    done: list[Rendered] = []
    try:
        config = config.plugins.on_config(config)
        env = config.theme.get_env()
        # The templates compiled once, not by every build: their bytecode is kept beside the
        # overlays (Jinja checks each against its template's source).
        (store / "jinja").mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = FileSystemBytecodeCache(str(store / "jinja"))
        env_ready = False
        for job in jobs:
            config.site_dir = str(job.slot)  # generated files take their destination from it
            run.plans, run.extra = job.plans, job.extra
            files = config.plugins.on_files(Files([]), config=config)
            set_exclusions(files, config)
            nav = get_navigation(files, config)
            pages = files.documentation_pages()
            for file in pages:
                assert file.page is not None
                _populate_page(file.page, config, files)
            if not env_ready:  # the plugin's filters and autoescape, once for the environment
                env = config.plugins.on_env(env, config=config, files=files)
                env_ready = True
            for file in pages:
                assert file.page is not None
                _build_page(file.page, config, pages, nav, env)
            done.append(Rendered(list(run.rendered), set(run.written)))
    finally:
        logger.setLevel(level)
        plugin.runs.pop(id(config), None)
    return done
