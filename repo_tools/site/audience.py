"""Who may read an item (Art. 32: the publisher chooses who may view).

Front matter `audience` is `all` (the default) or a list of `unit:<id>` / `user:<id>`. A build is
made for one audience: `all`, `unit:<id>` or `user:<id>`. An item that is not for `all` goes only
into builds for an audience it names; a build for a person also carries what their unit may see.
Anything unreadable counts as restricted to nobody, so a typo never publishes widely.
"""
from __future__ import annotations

import re
from typing import Any

from repo_tools.messages import Refused
from repo_tools.messages import say

ENTRY = re.compile(r"^(unit|user):[a-z][a-z0-9-]{0,31}$")


def item_audience(meta: dict[str, Any]) -> frozenset[str] | None:
    """None for everyone; otherwise the set of audiences named (possibly empty: nobody)."""
    value = meta.get("audience", "all")
    if value is None or value == "all" or value == ["all"]:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(v).strip() for v in value if ENTRY.match(str(v).strip()))


def parse_build_audience(text: str) -> str:
    """Validate `--audience`: all, unit:ID or user:ID."""
    text = (text or "all").strip()
    if text == "all" or ENTRY.match(text):
        return text
    raise Refused("usage", detail=say("site.audience.parse_build_audience.1", text=text), remedy=say("site.audience.parse_build_audience.2"))


def build_readers(audience: str, registry: Any) -> frozenset[str]:
    """The audience names a build satisfies (a person also reads as a member of their unit)."""
    if audience == "all":
        return frozenset()
    if registry is not None:  # a build for nobody registered is a typo, not an empty site
        kind, _, ident = audience.partition(":")
        if kind == "unit" and registry.unit(ident) is None:
            raise Refused("not-found", what=say("site.audience.build_readers.1"), name=ident, remedy=say("site.audience.build_readers.2"))
        if kind == "user" and registry.person(ident) is None:
            raise Refused("not-found", what=say("site.audience.build_readers.3"), name=ident, remedy=say("site.audience.build_readers.4"))
    names = {audience}
    if audience.startswith("user:"):
        person = registry.person(audience[5:]) if registry is not None else None
        if person is not None:
            names.add(f"unit:{person.unit}")
    return frozenset(names)


def visible(meta: dict[str, Any], readers: frozenset[str]) -> bool:
    named = item_audience(meta)
    return named is None or bool(named & readers)
