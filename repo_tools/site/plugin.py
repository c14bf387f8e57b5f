"""The MkDocs plugin through which the site is built: MkDocs runs its own life cycle and this
plugin feeds it (STYLE.md: the build's life cycle is the extension API). `oa site build`,
`mkdocs build -f mkdocs.yml` and `mkdocs serve -f mkdocs.yml` all take this one path.

- `on_startup` notes the command (`build`/`serve`) and whether MkDocs cleans (`--dirty` or not).
- `on_config` collects: which city and audience (the plugin's options `city`, `audience`,
  `overlays`, else the environment `OA_CITY`, `OA_AUDIENCE`), every unit's `main` that moved, and
  points `site_dir` at the publication's next slot (publish.py), so the pages land there.
- `on_files` plans: one generated page per plan that must be (re)rendered, as a `PlanPage`;
  unchanged pages are not handed to MkDocs at all, so an incremental build costs what changed.
  The files of `docs_dir` are not the site's (every page comes from a city) and are dropped.
- `PlanPage` skips MkDocs' Markdown pass: bodies were already turned into sanitized HTML
  (`markup.to_safe_html`) and laid out by the plans, so there is no source to read and nothing to
  convert (a Markdown instance per page was a fifth of a full build).
- `on_page_context` gives the template the plan's data.
- `on_env` / `on_post_page` remove an output file before MkDocs rewrites it: the output folder
  shares unchanged files (hard links) with the published site, and MkDocs writes in place.
- `on_post_build` publishes: search bundles, the atomic switch of the site's link, the overlays.
- `on_build_error` discards the slot: the live site stays as it was.

Steps outside MkDocs' own pass, for speed, stay behind these hooks: on big builds forked workers
render and index their share of the pages (rendering.py), and each overlay, a small site in a
folder of its own, is one nested MkDocs build of its pages (overlays.py).

MkDocs keeps one instance of a plugin that has `on_startup` for the whole process (across `mkdocs
serve` rebuilds, and shared by nested builds), so what belongs to one build is kept per
configuration (`Run`), never on the instance.

Under `mkdocs build` the site is published at `site_dir` (`-d DIR`; without it, the city's
`site/`, as `oa site build`); a clean build (MkDocs' default) renders everything, `--dirty` only
what changed. Under `mkdocs serve` the one audience's site is written straight into MkDocs'
temporary folder (no slots, no overlays) and rebuilt whenever the city's event log grows.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from repo_tools import timeutil
from repo_tools.messages import Refused, site_text
from repo_tools.site.pages import PagePlan

if TYPE_CHECKING:
    from repo_tools.site.build import BuildReport, BuildRequest, SiteBuild

log = logging.getLogger("mkdocs.plugins.oa-site")


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def chinese_day(value: Any) -> str:
    """'2013-03-21' -> '2013年3月21日' (templates); a date that is no date is shown as written."""
    try:
        parsed = timeutil.parse(str(value)[:10]) if value else None
        return timeutil.chinese_date(parsed.date()) if parsed else ""
    except (ValueError, OverflowError, TypeError):
        return str(value)[:40]


def chinese_time(value: Any) -> str:
    try:
        parsed = timeutil.parse(str(value)) if value else None
        return parsed.astimezone(timeutil.CST).strftime("%Y-%m-%d %H:%M:%S") if parsed else "—"
    except (ValueError, OverflowError, TypeError):
        return str(value)[:40]


class PlanPage(Page):
    """A page whose HTML comes from its plan: its template and title are known, its Markdown empty."""

    def __init__(self, plan: PagePlan, file: File, config: MkDocsConfig) -> None:
        super().__init__(plan.title, file, config)
        self.plan = plan

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown = ""
        self.meta = {"template": self.plan.template, "title": self.plan.title}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = ""
        self.toc = []  # type: ignore[assignment]
        self.present_anchor_ids = set()
        self.links_to_anchors = {}


class SiteOptions(base.Config):
    """The plugin's options in mkdocs.yml (`plugins: [{oa-site: {city: ..., audience: ...}}]`)."""
    city = c.Optional(c.Type(str))        # the city folder; else OA_CITY (or a clone's oa.city)
    audience = c.Optional(c.Type(str))    # all, unit:ID or user:ID; else OA_AUDIENCE; else all
    overlays = c.Optional(c.Type(bool))   # build the overlays beside the site; default: for `all`


@dataclass
class Run:
    """What belongs to one MkDocs build (one configuration)."""
    request: BuildRequest | None = None      # a build the plugin drives (collect, plan, publish)
    site_build: SiteBuild | None = None
    report: BuildReport | None = None
    own: bool = False                        # made from the options under `mkdocs build/serve`
    plans: list[PagePlan] | None = None      # a nested build: exactly these pages (rendering.py)
    extra: dict[str, Any] = field(default_factory=dict)
    pages_only: bool = False                 # a worker's build: only its pages (see rendering.py)
    rendered: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # site paths this build wrote (the journal)


def _inside(path: str | None, folder: str) -> bool:
    return bool(path) and os.path.abspath(str(path)).startswith(os.path.abspath(folder) + os.sep)


class SitePlugin(BasePlugin[SiteOptions]):
    """Collects, plans and publishes the site of one city; see the module's docstring."""

    def __init__(self) -> None:
        self.runs: dict[int, Run] = {}
        self.command: str | None = None   # set by `mkdocs build` / `mkdocs serve` (on_startup)
        self.dirty = True
        self.watched: list[str] = []

    def run_for(self, config: MkDocsConfig) -> Run:
        return self.runs.setdefault(id(config), Run())

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command, self.dirty = command, dirty

    def _request(self, config: MkDocsConfig) -> BuildRequest:
        """The build `mkdocs build` / `mkdocs serve` asks for, from the options and environment."""
        from repo_tools.city import city_from_env
        from repo_tools.site.audience import parse_build_audience
        from repo_tools.site.build import BuildRequest
        try:
            city = city_from_env(self.config.city)
        except Refused as refusal:
            if refusal.rule != "usage":
                raise
            raise Refused("site-no-city") from refusal
        audience = parse_build_audience(self.config.audience or os.environ.get("OA_AUDIENCE") or "all")
        preview = self.command == "serve"
        out = Path(config.site_dir)
        if not preview and config.config_file_path and out == Path(config.config_file_path).parent / "site":
            out = city.site_dir  # MkDocs' default site_dir: publish where `oa site build` does
        if preview:
            self.watched = [str(city.log_file)]  # every push is logged: a rebuild follows it
        return BuildRequest(city, out, audience, full=preview or not self.dirty, overlays=self.config.overlays,
                            preview=preview)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        config.nav = []
        run = self.run_for(config)
        if run.plans is not None:
            return config
        from repo_tools.site.build import SiteBuild
        try:
            if run.request is None:
                run.own = True
                run.request = self._request(config)
            run.site_build = SiteBuild(run.request)
            config.site_dir = str(run.site_build.collect())
        except Refused as refusal:
            if run.own:  # MkDocs' command line prints a plugin error as one line, no traceback
                self.runs.pop(id(config), None)
                raise PluginError(refusal.text()) from refusal
            raise
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        run = self.run_for(config)
        run.rendered, run.written = [], set()
        if run.plans is not None:
            plans = run.plans
            if run.pages_only:  # static files and the 404 page are the main build's
                files = Files([])
                config.theme.static_templates.clear()
        else:
            assert run.site_build is not None
            files = Files([f for f in files if not _inside(f.abs_src_path, config.docs_dir)])
            plans = run.site_build.plan()
            run.extra = run.site_build.generation.extra if run.site_build.generation else {}
        for plan in plans:
            file = File.generated(config, plan.src_uri, content="")
            PlanPage(plan, file, config)  # sets file.page, so MkDocs uses it
            files.append(file)
        return files

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        # Titles, opinions and register cells are user text: escape everything; only the HTML
        # we made safe ourselves (official form, sanitized body, seal and chart SVG) is Markup.
        run = self.run_for(config)
        store = Path(config.docs_dir).parent
        if store.name.endswith(".builds") and env.bytecode_cache is None:
            # The templates compiled once, not by every build and worker: the publication's own
            # folder keeps their bytecode (Jinja checks each against its template's source).
            from jinja2 import FileSystemBytecodeCache
            (store / "jinja").mkdir(exist_ok=True)
            env.bytecode_cache = FileSystemBytecodeCache(str(store / "jinja"))
        env.autoescape = True
        env.filters["chinese_day"] = chinese_day
        env.filters["chinese_time"] = chinese_time
        for file in files.static_pages():
            if file.is_modified():
                _unlink(file.abs_dest_path)
                run.written.add(file.dest_uri)
        for name in config.theme.static_templates:
            _unlink(Path(config.site_dir) / name)
            run.written.add(name)
        return env

    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        assert isinstance(page, PlanPage)
        plan = page.plan
        context.update(plan.context())
        context["plan"] = plan
        context["site_extra"] = self.run_for(config).extra
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        run = self.run_for(config)
        _unlink(page.file.abs_dest_path)
        run.rendered.append(page.file.src_uri)
        run.written.add(page.file.dest_uri)
        return output

    def on_post_build(self, config: MkDocsConfig) -> None:
        run = self.runs.get(id(config))
        if run is None or run.site_build is None:
            return
        from repo_tools.site.rendering import Rendered
        run.report = report = run.site_build.finish(Rendered(run.rendered, run.written))
        if run.own:
            self.runs.pop(id(config), None)
            log.info(site_text("published", out=report.out, items=report.items, rendered=len(report.rendered)))

    def on_build_error(self, *, error: Exception) -> None:
        """The slot of every unfinished build is discarded (MkDocs names no configuration here;
        builds of one process run one after the other)."""
        for key, run in list(self.runs.items()):
            if run.site_build is not None and run.report is None:
                run.site_build.abort()
                if run.own:
                    self.runs.pop(key, None)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        for path in self.watched:
            server.watch(path)
        return server
