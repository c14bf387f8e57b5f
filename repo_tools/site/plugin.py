"""The MkDocs plugin through which the site is built: MkDocs runs its own life cycle and this
plugin feeds it (STYLE.md: the build's life cycle is the extension API).

- `on_config` gives MkDocs an empty navigation: the site's listings are its own pages, and MkDocs'
  default navigation nests every page path (the templates never show it).
- `on_files` adds one generated page per plan that must be (re)rendered, as a `PlanPage`; unchanged
  pages are not handed to MkDocs at all, so an incremental build costs what changed.
- `PlanPage` skips MkDocs' Markdown pass: bodies were already turned into sanitized HTML
  (`markup.to_safe_html`) and laid out by the plans, so there is no source to read and nothing to
  convert (a Markdown instance per page was a fifth of a full build).
- `on_page_context` gives the template the plan's data.
- `on_env` / `on_post_page` remove an output file before MkDocs rewrites it: the output folder
  shares unchanged files (hard links) with the published site, and MkDocs writes in place.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from repo_tools import timeutil
from repo_tools.site.pages import PagePlan


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


class SitePlugin(BasePlugin):  # type: ignore[type-arg]
    """Holds the plans of one build; `repo_tools.site.build` sets `plans` before MkDocs runs."""

    def __init__(self) -> None:
        self.plans: list[PagePlan] = []
        self.rendered: list[str] = []
        self.written: set[str] = set()  # site paths this build wrote (the publication's journal)
        self.extra: dict[str, Any] = {}
        self.pages_only = False  # a worker's build: only its pages (see rendering.py)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        config.nav = []
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        self.rendered = []
        self.written = set()
        if self.pages_only:  # static files and the 404 page are the main build's
            files = Files([])
            config.theme.static_templates.clear()
        for plan in self.plans:
            file = File.generated(config, plan.src_uri, content="")
            PlanPage(plan, file, config)  # sets file.page, so MkDocs uses it
            files.append(file)
        return files

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        # Titles, opinions and register cells are user text: escape everything; only the HTML
        # we made safe ourselves (official form, sanitized body, seal and chart SVG) is Markup.
        env.autoescape = True
        env.filters["chinese_day"] = chinese_day
        env.filters["chinese_time"] = chinese_time
        for file in files.static_pages():
            if file.is_modified():
                _unlink(file.abs_dest_path)
                self.written.add(file.dest_uri)
        for name in config.theme.static_templates:
            _unlink(Path(config.site_dir) / name)
            self.written.add(name)
        return env

    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        assert isinstance(page, PlanPage)
        plan = page.plan
        context.update(plan.context())
        context["plan"] = plan
        context["site_extra"] = self.extra
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        _unlink(page.file.abs_dest_path)
        self.rendered.append(page.file.src_uri)
        self.written.add(page.file.dest_uri)
        return output
