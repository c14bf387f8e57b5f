"""The site's pages as plans: each page has a URL, a template and a content key (a hash of
everything it shows). A page whose key equals the last build's is not rendered again.

Listings are paginated in arrival order: page k always holds items (k-1)*PER_PAGE .. k*PER_PAGE-1,
so a new item changes only the last page of each listing it belongs to (and the listing's front
page, which shows the latest items), never the older pages; and no page lists every page.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from repo_tools.site.collect import Item
from repo_tools.messages import say

PER_PAGE = 20
HOME_LATEST = 10
PAGER_SPAN = 5


def digest(*parts: Any) -> str:
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


@dataclass
class PagePlan:
    url: str                          # "" for the home page, else "a/b/" (directory URL)
    template: str
    title: str
    key: str
    context: Callable[[], dict[str, Any]] = field(repr=False, default=dict)
    item: Item | None = None
    searchable: bool = False

    @property
    def src_uri(self) -> str:
        return f"{self.url}index.md"


def entry(item: Item, unit_names: dict[str, str]) -> dict[str, Any]:
    """What a listing shows of an item."""
    return {"url": item.url, "title": item.title, "date": item.date, "kind": item.kind,
            "number": item.meta.get("number") or "", "unit": unit_names.get(item.unit, item.unit),
            "type": item.type, "column": item.column}


@dataclass
class Listing:
    """A group of items (a unit, a year, a type, a column) shown in pages."""
    base: str                 # "units/lagov/"
    title: str
    items: list[Item]

    def plans(self, unit_names: dict[str, str], salt: str) -> list[PagePlan]:
        count = len(self.items)
        pages = max(1, -(-count // PER_PAGE))
        out: list[PagePlan] = []
        for k in range(1, pages + 1):
            chunk = self.items[(k - 1) * PER_PAGE: k * PER_PAGE]
            ctx = {"listing_title": self.title, "page": k, "base": self.base,
                   "older": k - 1 if k > 1 else None, "newer": k + 1 if k < pages else None}
            # The key is made from the items' ids, not from rendered entries: cheap for every page
            # (a rebuild makes it for every listing page of the city: no JSON, one hash of a line).
            key = _listing_key(salt, ctx, chunk)
            out.append(PagePlan(f"{self.base}page/{k}/", "listing.html", say("site.pages.plans.1", title=self.title, k=k), key,
                                _entries(ctx, chunk, unit_names)))
        latest = self.items[-PER_PAGE:]
        span = list(range(pages, max(0, pages - PAGER_SPAN), -1))
        front = {"listing_title": self.title, "page": None, "base": self.base,
                 "total": count, "recent_pages": span, "first_page": 1 if pages > PAGER_SPAN else None}
        key = digest(salt, "front", front, [i.source + (i.published_at or "") for i in latest])
        out.append(PagePlan(self.base, "listing.html", self.title, key, _entries(front, latest, unit_names)))
        return out


def _listing_key(salt: str, ctx: dict[str, Any], chunk: list[Item]) -> str:
    """A listing page's key: its place (title, page, neighbours) and its items' ids."""
    head = "\x1f".join(str(ctx[k]) for k in ("listing_title", "page", "base", "older", "newer"))
    ids = "\x1f".join(i.source + (i.published_at or "") for i in chunk)
    return hashlib.sha256(f"{salt}\x1elisting\x1e{head}\x1e{ids}".encode()).hexdigest()[:32]


def _entries(ctx: dict[str, Any], items: list[Item], unit_names: dict[str, str]
             ) -> Callable[[], dict[str, Any]]:
    return lambda: {**ctx, "entries": [entry(i, unit_names) for i in reversed(items)]}


def _const(ctx: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: ctx


def group_index(base: str, title: str, groups: list[tuple[str, str, int]], salt: str) -> PagePlan:
    """The page listing the groups of one kind (all units, all years...), with counts."""
    ctx = {"listing_title": title, "groups": [{"url": u, "name": n, "count": c} for u, n, c in groups]}
    return PagePlan(base, "groups.html", title, digest(salt, "groups", ctx), _const(ctx))


def listings(items: list[Item], unit_names: dict[str, str], salt: str) -> list[PagePlan]:
    """Home, per unit, per year, per type and per column listings, with their index pages."""
    ordered = sorted(items, key=Item.order_key)
    docs = [i for i in ordered if i.kind == "document"]
    bulletins = [i for i in ordered if i.kind == "bulletin"]
    plans: list[PagePlan] = []
    kinds: dict[str, dict[str, list[Item]]] = {"units": {}, "years": {}, "types": {}, "columns": {}}
    for item in ordered:
        kinds["units"].setdefault(item.unit, []).append(item)
    for item in docs:
        kinds["years"].setdefault(item.year, []).append(item)
        kinds["types"].setdefault(item.type or say("site.pages.listings.1"), []).append(item)
    for item in bulletins:
        kinds["columns"].setdefault(item.column, []).append(item)
    names = {"units": say("site.pages.listings.2"), "years": say("site.pages.listings.3"), "types": say("site.pages.listings.4"), "columns": say("site.pages.listings.5")}
    for kind, groups in kinds.items():
        index: list[tuple[str, str, int]] = []
        for key in sorted(groups, reverse=(kind == "years")):
            label = unit_names.get(key, key) if kind == "units" else (say("site.pages.listings.6", key=key) if kind == "years" else key)
            base = f"{kind}/{key}/"
            plans += Listing(base, label, groups[key]).plans(unit_names, salt)
            index.append((base, label, len(groups[key])))
        plans.append(group_index(f"{kind}/", say("site.pages.listings.7", names=names[kind]), index, salt))
    home = {"documents": [entry(i, unit_names) for i in reversed(docs[-HOME_LATEST:])],
            "bulletins": [entry(i, unit_names) for i in reversed(bulletins[-HOME_LATEST:])],
            "counts": {"documents": len(docs), "bulletins": len(bulletins)}}
    plans.append(PagePlan("", "home.html", say("site.pages.listings.8"), digest(salt, "home", home), _const(home)))
    plans.append(PagePlan("search/", "search.html", say("site.pages.listings.9"), digest(salt, "search"), dict))
    return plans
