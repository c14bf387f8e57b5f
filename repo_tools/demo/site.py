"""Last chapter: the intranet site, for every reader and for the readers of one unit."""
from __future__ import annotations

from pathlib import Path

from repo_tools.demo.state import DemoState
from repo_tools.messages import say
from repo_tools.site import build_site


def run(state: DemoState) -> None:
    state.chapter(say("demo.site.run.1"))
    city = state.city
    report = build_site(city, city.site_dir, audience="all")
    state.ok(say("demo.site.run.2",
                 items=report.items, len_rendered=len(report.rendered), sum_seconds_values=sum(report.seconds.values())))
    again = build_site(city, city.site_dir, audience="all")
    state.ok(say("demo.site.run.3",
                 len_rendered=len(again.rendered), sum_seconds_values=sum(again.seconds.values())))
    unit = "jyj"
    unit_site = state.root / f"site-{unit}"
    unit_report = build_site(city, unit_site, audience=f"unit:{unit}")
    state.ok(say("demo.site.run.4",
                 unit=unit, items=unit_report.items, unit_site=unit_site))
    if report.items == 0:
        state.fact(say("demo.site.run.5"))
    registers = unit_site / "registers" / "index.html"
    if registers.exists():
        state.ok(
            say(
                "demo.site.run.6",
                unit=unit,
                registers=registers,
                value=say("demo.site.run.11") if not (city.site_dir / "registers").exists() else say("demo.site.run.12"),
            )
        )
    from repo_tools.site.overlays import overlay_root

    overlay_registers = overlay_root(city.site_dir) / f"unit-{unit}" / "registers" / "index.html"
    if overlay_registers.exists():
        state.ok(say("demo.site.run.13", unit=unit, overlay_registers=overlay_registers))
    catalogues = [p for p in sorted((city.site_dir / "archive").glob("*/[0-9]*/index.html")) if p.parent.parent.name != "stats"]
    charts = sorted((city.site_dir / "archive" / "stats").glob("*/index.html"))
    if catalogues or charts:
        state.ok(say("demo.site.run.14", len_catalogues=len(catalogues), len_charts=len(charts), site_dir=city.site_dir))
    sealed = state.facts.get("sealed") or []
    for doc in sealed:
        year_slug = doc["path"].split("/", 1)[1]
        page_path = city.site_dir / "documents" / doc["unit"] / year_slug / "index.html"
        _show_sealed_page(state, doc, page_path)
        state.fact(say("demo.site.run.8", number=doc["number"], page_path=page_path))
    state.fact(say("demo.site.run.9", site_dir=city.site_dir, root=city.root))
    state.console.print(say("demo.site.run.10", site_dir=city.site_dir))


def _show_sealed_page(state: DemoState, doc: dict[str, object], page_path: Path) -> None:
    """Read back the built page of a sealed document: the number, the seal image and the
    verification panel computed from the unit repository, the registry and the log."""
    if not page_path.exists():
        state.fact(say("demo.site._show_sealed_page.1", number=doc["number"]))
        return
    page = page_path.read_text(encoding="utf-8")
    form, _, panel = page.partition('class="verification-panel"')
    checks = {
        "number": str(doc["number"]) in form,
        "seal-image": 'class="od-seal"' in form and "<svg" in form,
        "verified": 'class="verification-status ok"' in panel,
        "seal-valid": 'data-seal="valid"' in panel,
    }
    approvals = panel.count('<li class="valid">')
    if all(checks.values()):
        state.ok(say("demo.site._show_sealed_page.2", number=doc["number"], approvals=approvals))
    else:
        labels = {
            "number": say("demo.site._show_sealed_page.number"),
            "seal-image": say("demo.site._show_sealed_page.seal-image"),
            "verified": say("demo.site._show_sealed_page.verified"),
            "seal-valid": say("demo.site._show_sealed_page.seal-valid"),
        }
        missing = "、".join(labels[k] for k, v in checks.items() if not v)
        raise RuntimeError(say("demo.site._show_sealed_page.3", number=doc["number"], missing=missing, page_path=page_path))
