"""The MkDocs plugin through which the site is built: MkDocs runs its own life cycle and this
plugin feeds it (STYLE.md: the build's life cycle is the extension API).

- `on_files` adds one generated page per plan that must be (re)rendered; unchanged pages are not
  handed to MkDocs at all, so an incremental build costs what changed.
- `on_page_markdown` empties the Markdown: bodies were already turned into sanitized HTML
  (`markup.to_safe_html`) and laid out by the plans, so MkDocs' Markdown pass has nothing to do.
- `on_page_context` gives the template the plan's data.
- `on_env` / `on_post_page` remove an output file before MkDocs rewrites it: the output folder
  shares unchanged files (hard links) with the published site, and MkDocs writes in place.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from .. import timeutil
from .pages import PagePlan


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def chinese_day(value: Any) -> str:
    """'2013-03-21' -> '2013年3月21日' (templates)."""
    parsed = timeutil.parse(str(value)[:10]) if value else None
    return timeutil.chinese_date(parsed.date()) if parsed else ""


def chinese_time(value: Any) -> str:
    parsed = timeutil.parse(str(value)) if value else None
    return parsed.astimezone(timeutil.CST).strftime("%Y-%m-%d %H:%M:%S") if parsed else "—"


class SitePlugin(BasePlugin):  # type: ignore[type-arg]
    """Holds the plans of one build; `repo_tools.site.build` sets `plans` before MkDocs runs."""

    def __init__(self) -> None:
        self.plans: list[PagePlan] = []
        self.rendered: list[str] = []
        self.written: set[str] = set()  # site paths this build wrote (the publication's journal)
        self.extra: dict[str, Any] = {}
        self._by_src: dict[str, PagePlan] = {}

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        self._by_src = {}
        self.rendered = []
        self.written = set()
        for plan in self.plans:
            head = f"---\ntemplate: {plan.template}\ntitle: {json.dumps(plan.title, ensure_ascii=False)}\n---\n"
            files.append(File.generated(config, plan.src_uri, content=head))
            self._by_src[plan.src_uri] = plan
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

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        return ""

    def on_page_context(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        plan = self._by_src[page.file.src_uri]
        context.update(plan.context())
        context["plan"] = plan
        context["site_extra"] = self.extra
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        _unlink(page.file.abs_dest_path)
        self.rendered.append(page.file.src_uri)
        self.written.add(page.file.dest_uri)
        return output
