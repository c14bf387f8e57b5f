"""Chapter: archiving 2013 (Art. 34-38): each unit's archivist archives what is sealed and
published on `main`, the four checks pass, the year is exported as a BagIt bag, one item is
consulted and registered, the statistics are drawn, and a change to an archived file is refused.

The chapter archives only what earlier chapters put on `main`; when they have not run, it says
so and stops (it never publishes anything itself)."""
from __future__ import annotations

from repo_tools.archive import checks as archive_checks
from repo_tools.archive import export as archive_export
from repo_tools.archive.access import access, register
from repo_tools.archive.packages import Package, archive
from repo_tools.archive.stats import stats
from repo_tools.archive.stats_svg import render
from repo_tools.archive.vocabulary import NUMBER, REFERENCE, RETENTION, RETENTION_NAMES, TITLE
from repo_tools.demo.state import DemoState
from repo_tools.git.repo import PushRefused, Scratch, clean_env, git
from repo_tools.messages import refusal_summary, say

YEAR = 2013


def run(state: DemoState) -> None:
    state.chapter(say("demo.archive.run.1", year=YEAR))
    city = state.city
    registry = city.registry()
    done = []
    for unit_id in sorted(registry.units):
        archivists = registry.with_role(unit_id, "archivist")
        if not archivists:
            continue
        package = archive(city, unit_id, YEAR, archivists[0].id)
        if package is None:
            state.ok(say("demo.archive.run.2", name=registry.units[unit_id].name, year=YEAR))
            continue
        done.append(package)
        refs = "、".join(f"{row[REFERENCE]}（{RETENTION_NAMES.get(row[RETENTION], row[RETENTION])}）"
                        for row in package.rows)
        state.ok(say("demo.archive.run.3",
                     name=archivists[0].name, name2=registry.units[unit_id].name, year=YEAR, len_rows=len(package.rows), refs=refs,
                     tag=package.tag))
    if not done:
        state.fact(say("demo.archive.run.4", year=YEAR))
        return
    state.facts["archive"] = {"year": YEAR, "packages": [
        {"unit": p.unit, "tag": f"refs/tags/{p.tag}", "path": p.path, "items": [r[REFERENCE] for r in p.rows]}
        for p in done]}

    report = archive_checks.verify(city, None, YEAR)
    summary = "，".join(f"{name}{'✓' if c['ok'] else '✗'}" for name, c in report["checks"].items())
    if not report["ok"]:
        problems = [p for c in report["checks"].values() for p in c["problems"]]
        raise RuntimeError(say("demo.archive.run.5") + "；".join(problems[:5]))
    state.ok(say("demo.archive.run.6", summary=summary))

    first, item = _regulation(state, done)
    out = state.root / "export" / f"{first.unit}-{YEAR}"
    result = archive_export.export(city, first.unit, YEAR, out)
    if not result["valid"]:
        raise RuntimeError(say("demo.archive.run.7") + "；".join(result["errors"][:5]))
    state.ok(say("demo.archive.run.8", out=out, files=result['files']))

    reader = next((p for p in registry.members(first.unit) if "author" in p.roles and p.status == "active"), None)
    if reader is not None:
        access(city, reader.id, item[REFERENCE], say("demo.archive.run.9"))
        count = len([e for e in register(city, first.unit) if e["item"] == item[REFERENCE]])
        state.ok(say("demo.archive.run.10",
                     name=reader.name, item=item[REFERENCE], item2=item[TITLE], count=count))
        _show_refusal(state, first.unit, reader.id, item)

    data = stats(city, YEAR)
    chart = state.root / f"archive-stats-{YEAR}.svg"
    chart.write_text(render(data), encoding="utf-8")
    kinds = "、".join(say("demo.archive.run.11", k=k, v=v) for k, v in data["by_type"].items())
    terms = "、".join(say("demo.archive.run.12",
                         retention_names_get=RETENTION_NAMES.get(k, k), v=v) for k, v in data["by_retention"].items())
    state.ok(say("demo.archive.run.13",
                 year=YEAR, items=data['items'], kinds=kinds, terms=terms, bytes=data['bytes'], accesses=data['accesses'],
                 chart=chart))
    state.fact(say("demo.archive.run.14",
                   year=YEAR, items=data['items'], value_join='、'.join('refs/tags/' + p.tag for p in done)))


def _regulation(state: DemoState, done: list[Package]) -> tuple[Package, dict]:
    """The package and row holding the sealed regulation of 2013 (the review chapter's
    `facts["sealed"]`); it is the item the chapter exports, consults and shows."""
    for sealed in state.facts.get("sealed", []):
        for package in done:
            row = next((r for r in package.rows if package.unit == sealed.get("unit")
                        and r["source"] == sealed.get("path")), None)
            if row is not None:
                if sealed.get("number") and row[NUMBER] != sealed["number"]:
                    raise RuntimeError(say("demo.archive._regulation.1",
                                           row=row[NUMBER], number=sealed['number']))
                state.ok(say("demo.archive._regulation.2",
                             row=row[TITLE], row2=row[NUMBER], row3=row[REFERENCE],
                             retention_names_get=RETENTION_NAMES.get(row[RETENTION], row[RETENTION])))
                return package, row
    raise RuntimeError(say("demo.archive._regulation.3"))


def _show_refusal(state: DemoState, unit: str, user: str, item: dict) -> None:
    """A change to an archived file on `main` is refused by the server."""
    city = state.city
    path = f"{item['source']}/index.md"
    with Scratch(city.unit_repo(unit), city.signer(user)) as scratch:
        current = git("show", f"refs/heads/main:{path}", cwd=city.unit_repo(unit), env=clean_env()).encode()
        commit = scratch.commit({path: current + say("demo.archive._show_refusal.1").encode()}, say("demo.archive._show_refusal.2"))
        try:
            scratch.push([f"{commit}:refs/heads/main"])
        except PushRefused as refused:
            state.refused(say("demo.archive._show_refusal.3", path=path), refusal_summary(refused.message))
            return
    raise RuntimeError(say("demo.archive._show_refusal.4"))
