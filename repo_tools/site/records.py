"""The site's record pages: a unit's own 收文登记簿 and 发文登记簿 (unit builds only), the archive
catalogue by unit and year (第三十七条) and the yearly statistics chart (第三十八条).

The registers name what other units sent and to whom: they go only into the build for that unit
(`--audience unit:ID`), never into the all-staff build. In the catalogue, a row whose item the
build's readers may not see keeps only its 档号: its title and number stay out of the site.
"""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from repo_tools.archive.vocabulary import CREATOR, DATE, DOC_TYPE, NUMBER, REFERENCE, REMARKS, RETENTION, RETENTION_NAMES, RETENTION_ORDER, TITLE
from repo_tools.archive.stats import catalogue_pages
from repo_tools.archive.stats_svg import stats_svg
from repo_tools.city import City
from repo_tools.transmit.deliveries import registers
from repo_tools.site.audience import visible
from repo_tools.site.pages import PagePlan, _const, digest
from repo_tools.messages import say

HIDDEN_TITLE = say("site.records.module.1")
CATALOGUE_COLUMNS = [(REFERENCE, REFERENCE), (NUMBER, NUMBER), (CREATOR, CREATOR), (TITLE, TITLE), (DATE, DATE),
                     (DOC_TYPE, DOC_TYPE), (REMARKS, REMARKS)]


def register_plans(city: City, audience: str, salt: str) -> list[PagePlan]:
    """The registers page of the unit a `unit:ID` build is for; nothing for any other build."""
    if not audience.startswith("unit:"):
        return []
    unit = audience[5:]
    if unit not in city.registry().units:
        return []
    data = registers(city, unit)
    ctx = {"listing_title": say("site.records.register_plans.1"), "unit": unit,
           "incoming": _table(data["columns"]["incoming"], data["incoming"]),
           "outgoing": _table(data["columns"]["outgoing"], data["outgoing"])}
    return [PagePlan("registers/", "registers.html", ctx["listing_title"], digest(salt, "registers", ctx), _const(ctx))]


def archive_plans(city: City, readers: frozenset[str], salt: str) -> list[PagePlan]:
    """The archive index, one catalogue page per unit and year, one statistics chart per year."""
    plans: list[PagePlan] = []
    catalogues = []
    years: set[int] = set()
    for page in catalogue_pages(city):
        rows = [_shown(row, readers) for row in page["rows"]]
        sections = []
        for code in RETENTION_ORDER:
            part = [r for r in rows if r.get(RETENTION) == code]
            if part:
                sections.append({"name": f"{RETENTION_NAMES[code]}（{code}）",
                                 "table": _table(CATALOGUE_COLUMNS, part)})
        url = f"archive/{page['unit']}/{page['year']}/"
        ctx = {"listing_title": page["title"], "unit_name": page["unit_name"], "year": page["year"],
               "total": len(rows), "tags": [t.removeprefix("refs/tags/") for t in page["tags"]], "sections": sections}
        plans.append(PagePlan(url, "catalogue.html", page["title"], digest(salt, "catalogue", ctx), _const(ctx)))
        catalogues.append({"url": url, "name": page["title"], "count": len(rows)})
        years.add(int(page["year"]))
    charts = []
    for year in sorted(years, reverse=True):
        svg = stats_svg(city, year)
        url = f"archive/stats/{year}/"
        title = say("site.records.archive_plans.1", year=year)
        ctx = {"listing_title": title, "svg": Markup(svg), "year": year}
        plans.append(PagePlan(url, "archive_stats.html", title, digest(salt, "stats", ctx), _const(ctx)))
        charts.append({"url": url, "name": title})
    index = {"listing_title": say("site.records.archive_plans.2"), "catalogues": catalogues, "charts": charts}
    plans.append(PagePlan("archive/", "archive.html", index["listing_title"], digest(salt, "archive", index),
                          _const(index)))
    return plans


def _shown(row: dict[str, Any], readers: frozenset[str]) -> dict[str, Any]:
    """A catalogue row as this build may show it."""
    if visible({"audience": row.get("audience", "all")}, readers):
        return row
    return {**row, TITLE: HIDDEN_TITLE, NUMBER: "", REMARKS: ""}


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"headings": [h for _, h in columns],
            "rows": [["" if row.get(k) is None else str(row.get(k)) for k, _ in columns] for row in rows]}
