"""click's own usage errors and --help boilerplate in Chinese.

click translates its sentences with `gettext` bound at import (`from gettext import gettext as
_`) and looks them up in the process's locale, which a civil servant's shell rarely sets to
Chinese. So the `oa` command gives click's modules a translation built from the catalogue in
`repo_tools.messages` instead of shipping a compiled .mo file and depending on the locale.
"""
from __future__ import annotations

import gettext
import importlib

import click

from repo_tools.messages import CLICK_CATALOGUE

_CLICK_MODULES = ("core", "parser", "exceptions", "formatting", "types", "decorators", "termui", "utils")


class ChineseCatalogue(gettext.NullTranslations):
    """A gettext translation read from a dict: msgid → Chinese, unknown ids pass through."""

    def gettext(self, message: str) -> str:
        return CLICK_CATALOGUE.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


class ChineseHelpFormatter(click.HelpFormatter):
    """Section headings end with a full-width colon, as Chinese text does."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


def install() -> None:
    """Make click speak Chinese in this process (idempotent)."""
    catalogue = ChineseCatalogue()
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = catalogue.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext  # type: ignore[attr-defined]
    click.Context.formatter_class = ChineseHelpFormatter
