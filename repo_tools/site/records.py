"""The site's record pages: a unit's own 收文登记簿, 发文登记簿 and 调阅登记簿 (第三十七条), the
archive catalogue by unit and year (第三十七条) and the yearly statistics chart (第三十八条).

The registers name what other units sent and to whom, and who consulted which archived item:
they go only to that unit's readers, in the unit's overlay (overlays.py) or a build for that
unit (`--audience unit:ID`), never into the all-staff base. The catalogue in a build shows only
the rows its readers may see; a row restricted to a unit or a person is in that overlay's copy of
the catalogue page (the same URL, so it replaces the base's page for those readers only).
"""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from repo_tools.archive.vocabulary import CREATOR, DATE, DOC_TYPE, NUMBER, READER, REASON, REFERENCE, REMARKS, RETENTION, RETENTION_NAMES, RETENTION_ORDER, TITLE, VALID
from repo_tools.archive.stats import catalogue_pages
from repo_tools.archive.stats_svg import stats_svg
from repo_tools.city import City
from repo_tools.transmit.deliveries import registers
from repo_tools.site.audience import item_audience, visible
from repo_tools.site.pages import PagePlan, _const, digest
from repo_tools.messages import say

CATALOGUE_COLUMNS = [(REFERENCE, REFERENCE), (NUMBER, NUMBER), (CREATOR, CREATOR), (TITLE, TITLE), (DATE, DATE),
                     (DOC_TYPE, DOC_TYPE), (REMARKS, REMARKS)]


ACCESS_COLUMNS = [("item", REFERENCE), ("title", TITLE), ("name", READER), ("reason", REASON),
                  ("trusted_time", say("site.records.module.11")), ("signature", say("site.records.module.12"))]
DELIVERY_PREFIXES = ("refs/inbox/", "refs/outbox/", "refs/receipts/", "refs/replies/")


class Records:
    """The registers and the archive catalogue of the city, read once per build and shared by the
    base and every overlay."""

    def __init__(self, city: City, registry: Any = None,
                 catalogues: dict[str, tuple[str | None, list[dict[str, Any]]]] | None = None,
                 kept_access: dict[str, tuple[str, str, list[dict[str, Any]]]] | None = None) -> None:
        """`registry`: the build's, already loaded; `catalogues`: the catalogue pages by unit, of
        which build.py re-reads only the units whose main moved."""
        self.city = city
        self.registry = registry
        self.catalogues = catalogues
        self._pages: list[dict[str, Any]] | None = None
        self._access: dict[str, list[dict[str, Any]]] | None = None
        self._times: dict[str, str] | None = None
        # unit -> (its register branch, registry commit, rows): the last build's and this one's
        self.kept_access = kept_access or {}
        self.made_access: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}

    @property
    def pages(self) -> list[dict[str, Any]]:
        if self._pages is None:
            self._pages = ([p for _, pages in self.catalogues.values() for p in pages] if self.catalogues is not None
                           else catalogue_pages(self.city, self.registry))
        return self._pages

    def access(self, unit: str) -> list[dict[str, Any]]:
        """The unit's 调阅登记 (Art. 37), oldest first. Each unit's register branch is looked up
        in its ref files (no process per unit); only a unit whose branch or the registry moved
        since the last build is read again."""
        if self._access is None:
            from repo_tools.archive.access import REGISTER_REF
            from repo_tools.archive.access import register as access_register
            from repo_tools.site.collect import ref_value
            self._access = {}
            commit = str(getattr(self.registry, "commit", None) or "") if self.registry is not None else ""
            units = sorted(self.registry.units) if self.registry is not None else sorted(self.city.registry().units)
            for name in units:
                repo = self.city.unit_repo(name)
                head = ref_value(repo, REGISTER_REF) if repo.is_dir() else None
                if head is None:
                    continue
                kept = self.kept_access.get(name)
                if kept is not None and commit and kept[0] == head and kept[1] == commit:
                    rows = kept[2]
                else:
                    rows = access_register(self.city, name)
                if commit and all(row.get("trusted_time") for row in rows):  # else: read again
                    self.made_access[name] = (head, commit, rows)
                self._access[name] = rows
        return self._access.get(unit, [])

    def has_deliveries(self, unit: str) -> bool:
        """Whether the unit's repository holds any delivery ref. A look at the ref store itself
        (packed-refs and the loose folders), not a git process per unit: every build asks it of
        every unit, and most hold none."""
        repo = self.city.unit_repo(unit)
        if any((repo / prefix.rstrip("/")).is_dir() and any((repo / prefix.rstrip("/")).iterdir())
               for prefix in DELIVERY_PREFIXES):
            return True
        try:
            packed = (repo / "packed-refs").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return any(f" {prefix}" in packed for prefix in DELIVERY_PREFIXES)

    def registers_plan(self, unit: str, salt: str, always: bool = False) -> PagePlan | None:
        """The unit's registers page, or None when it has nothing to register (unless `always`)."""
        if self.city.registry().unit(unit) is None:
            return None
        access = self.access(unit)
        if not always and not access and not self.has_deliveries(unit):
            return None
        if self._times is None:
            from repo_tools.log import eventlog
            self._times = eventlog.trusted_times(self.city.log_file)
        data = registers(self.city, unit, times=self._times)
        rows = [{**row, "signature": VALID if row.get("signature_valid") else say("site.records.registers_plan.2")} for row in access]
        title = say("site.records.registers_plan.3")
        ctx = {"listing_title": title, "unit": unit,
               "incoming": _table(data["columns"]["incoming"], data["incoming"]),
               "outgoing": _table(data["columns"]["outgoing"], data["outgoing"]),
               "access": _table(ACCESS_COLUMNS, rows)}
        return PagePlan("registers/", "registers.html", title, digest(salt, "registers", ctx), _const(ctx))


def register_plans(city: City, audience: str, salt: str, records: Records | None = None) -> list[PagePlan]:
    """The registers page of the unit a `unit:ID` build is for; nothing for any other build."""
    if not audience.startswith("unit:"):
        return []
    unit = audience[5:]
    if unit not in city.registry().units:
        return []
    plan = (records or Records(city)).registers_plan(unit, salt, always=True)
    return [plan] if plan is not None else []


def archive_plans(city: City, readers: frozenset[str], salt: str, records: Records | None = None) -> list[PagePlan]:
    """The archive index, one catalogue page per unit and year, one statistics chart per year."""
    plans: list[PagePlan] = []
    catalogues = []
    years: set[int] = set()
    for page in (records or Records(city)).pages:
        plan, shown = catalogue_plan(page, readers, salt)
        plans.append(plan)
        catalogues.append({"url": plan.url, "name": page["title"], "count": shown})
        years.add(int(page["year"]))
    charts = []
    for year in sorted(years, reverse=True):
        svg = stats_svg(city, year)
        url = f"archive/stats/{year}/"
        title = say("site.records.archive_plans.1", year=year)
        ctx = {"listing_title": title, "svg": Markup(svg), "year": year}
        plans.append(PagePlan(url, "archive_stats.html", title, digest(salt, "stats", ctx), _const(ctx)))
        charts.append({"url": url, "name": title})
    title = say("site.records.archive_plans.2")
    index = {"listing_title": title, "catalogues": catalogues, "charts": charts}
    plans.append(PagePlan("archive/", "archive.html", title, digest(salt, "archive", index), _const(index)))
    return plans


def overlay_catalogue_plans(records: Records, readers: frozenset[str], salt: str) -> list[PagePlan]:
    """An overlay's copies of the catalogue pages that hold rows its readers may see and `all`
    may not: each with every row those readers may see (a person's copy carries their unit's
    rows too, since it replaces the unit's copy for them)."""
    plans = []
    for page in records.pages:
        if any(_restricted_to(row, readers) for row in page["rows"]):
            plans.append(catalogue_plan(page, readers, salt)[0])
    return plans


def overlay_audiences(records: Records) -> set[str]:
    """The audiences named by restricted catalogue rows (each gets an overlay for them)."""
    found: set[str] = set()
    for page in records.pages:
        for row in page["rows"]:
            found |= item_audience({"audience": row.get("audience", "all")}) or set()
    return found


def _restricted_to(row: dict[str, Any], readers: frozenset[str]) -> bool:
    named = item_audience({"audience": row.get("audience", "all")})
    return named is not None and bool(named & readers)


def catalogue_plan(page: dict[str, Any], readers: frozenset[str], salt: str) -> tuple[PagePlan, int]:
    """One catalogue page with the rows `readers` may see (a build for all: the public rows)."""
    rows = [row for row in page["rows"] if visible({"audience": row.get("audience", "all")}, readers)]
    sections = []
    for code in RETENTION_ORDER:
        part = [r for r in rows if r.get(RETENTION) == code]
        if part:
            sections.append({"name": f"{RETENTION_NAMES[code]}（{code}）", "table": _table(CATALOGUE_COLUMNS, part)})
    url = f"archive/{page['unit']}/{page['year']}/"
    ctx = {"listing_title": page["title"], "unit_name": page["unit_name"], "year": page["year"],
           "total": len(rows), "tags": [t.removeprefix("refs/tags/") for t in page["tags"]], "sections": sections}
    return PagePlan(url, "catalogue.html", page["title"], digest(salt, "catalogue", ctx), _const(ctx)), len(rows)


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"headings": [h for _, h in columns],
            "rows": [["" if row.get(k) is None else str(row.get(k)) for k, _ in columns] for row in rows]}
