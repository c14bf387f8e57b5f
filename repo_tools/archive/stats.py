"""Yearly statistics (Art. 38) and the archive catalogue by year and retention, for the command
line and the site: `stats(city, year)` and `catalogue_pages(city)`."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from repo_tools.archive.access import register
from repo_tools.archive.packages import catalogue_markdown, packages
from repo_tools.archive.vocabulary import DOC_TYPE, NUMBER, REFERENCE, RETENTION, RETENTION_NAMES, RETENTION_ORDER, TITLE
from repo_tools.city import City
from repo_tools.messages import say


def stats(city: City, year: int) -> dict[str, Any]:
    """Items of `year` held in every unit's archive: by unit, type and retention; sizes; accesses."""
    registry = city.registry()
    accesses = register(city)
    units: list[dict[str, Any]] = []
    by_type: Counter[str] = Counter()
    by_retention: Counter[str] = Counter()
    held: list[dict[str, Any]] = []
    for unit_id in sorted(registry.units):
        if not city.unit_repo(unit_id).exists():
            continue
        found = packages(city, unit_id, year)
        rows = [row for p in found for row in p.rows]
        if not rows:
            continue
        references = {row.get(REFERENCE) for row in rows}
        unit_accesses = [a for a in accesses if a["unit"] == unit_id and a["item"] in references]
        unit = registry.units[unit_id]
        units.append({"unit": unit_id, "name": unit.name, "fonds": unit.fonds, "items": len(rows),
                      "bytes": sum(int(row.get("bytes") or 0) for row in rows),
                      "files": sum(int(row.get("files") or 0) for row in rows),
                      "packages": [f"refs/tags/{p.tag}" for p in found], "accesses": len(unit_accesses),
                      "by_retention": dict(Counter(str(row.get(RETENTION)) for row in rows))})
        by_type.update(str(row.get(DOC_TYPE) or "") for row in rows)
        by_retention.update(str(row.get(RETENTION)) for row in rows)
        held += rows
    during = [a for a in accesses if str(a.get("trusted_time") or "").startswith(str(year))]
    return {
        "year": year,
        "items": len(held),
        "bytes": sum(u["bytes"] for u in units),
        "files": sum(u["files"] for u in units),
        "units": units,
        "by_type": dict(by_type.most_common()),
        "by_retention": {code: by_retention[code] for code in RETENTION_ORDER if by_retention[code]},
        "retention_names": RETENTION_NAMES,
        "accesses": sum(u["accesses"] for u in units),
        "accesses_during_year": len(during),
    }


def catalogue_pages(city: City, registry: Any = None, units: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """One page per unit and year: the 归档文件目录, grouped by retention, for the site.

    Rows whose audience is restricted keep only their 档号 in the page's Markdown, so that the
    public catalogue leaks no title the site would not show; `rows` carries everything, with
    `audience`, for a builder that filters by reader. `registry`: the caller's, already loaded;
    `units`: only these units (a site rebuild reads the units whose main moved).
    """
    registry = registry or city.registry()
    pages: list[dict[str, Any]] = []
    for unit_id in sorted(registry.units if units is None else set(units) & set(registry.units)):
        if not city.unit_repo(unit_id).exists():
            continue
        found = packages(city, unit_id)
        for year in sorted({p.year for p in found}):
            unit = registry.units[unit_id]
            rows = [row for p in found if p.year == year for row in p.rows]
            public = [row if row.get("audience", "all") == "all"
                      else {**row, TITLE: say("archive.stats.catalogue_pages.1"), NUMBER: ""} for row in rows]
            sections = []
            for code in RETENTION_ORDER:
                part = [r for r in public if r.get(RETENTION) == code]
                if part:
                    table = catalogue_markdown(unit.name, year, 0, part).split("\n", 2)[2]
                    sections.append(f"## {RETENTION_NAMES[code]}（{code}）\n\n{table}")
            title = say("archive.stats.catalogue_pages.2", name=unit.name, year=year)
            pages.append({
                "unit": unit_id, "unit_name": unit.name, "fonds": unit.fonds, "year": year,
                "title": title, "path": f"archive/{unit_id}/{year}/index.md",
                "tags": [f"refs/tags/{p.tag}" for p in found if p.year == year],
                "rows": rows,
                "by_retention": dict(Counter(str(r.get(RETENTION)) for r in rows)),
                "markdown": say("archive.stats.catalogue_pages.3",
                                title=title, len_rows=len(rows), value_join='、'.join(p.tag for p in found if p.year == year)) + "\n".join(sections),
            })
    return pages
