"""Overlays: the restricted parts of the site, built beside the shared base (Art. 32).

The base (`oa site build`, audience `all`) holds everything every reader may see. Each item whose
front matter names `unit:<id>` or `user:<id>` goes into that unit's or that person's *overlay*
instead, a small site of its own in `<site>-overlays/unit-<id>/` or `.../user-<id>/`:
- the item pages (with their attachments and images) at the same URLs they would have in a site
  for everyone, so links and search results need no rewriting;
- a listing of the overlay's items at `restricted/unit/` (or `restricted/user/`), and
  `restricted/<kind>/entries.json`, from which the base's listing pages merge the reader's
  restricted entries into their own in the browser (assets/overlay.js);
- its own Pagefind bundle `restricted/<kind>/_pagefind/` and `restricted/<kind>/search-config.js`,
  which adds that bundle to the search page's `mergeIndex`;
- a unit's registers (`registers/`: 收文、发文 and 档案调阅登记簿), which the base never carries;
- its copies of the archive catalogue pages that hold rows restricted to its readers, at the
  base's URLs (`archive/<unit>/<year>/`), each with every row those readers may see: the base
  lists only the rows for everyone, and a person's copy carries their unit's rows too.

A reader's site is the base with their unit's and their own overlays laid over it (the portal
resolves a path in the personal overlay, then the unit's, then the base). Overlays exist only for
units and people that have something of their own (restricted items, registers, catalogue rows), so the build follows the content, not the number of
people; an overlay whose pages are unchanged is not touched, and each has its own slots, state
and journal (publish.py), so a change rebuilds only the overlays it concerns.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repo_tools.messages import Refused
from repo_tools.site.audience import build_readers, item_audience
from repo_tools.site.collect import Item, UnitContent
from repo_tools.site.pages import Listing, PagePlan, digest, entry
from repo_tools.site.publish import Publication
from repo_tools.site.records import Records, overlay_audiences, overlay_catalogue_plans
from repo_tools.messages import say

if TYPE_CHECKING:
    from repo_tools.site.build import BuildReport, _Context

REGISTERS = "registers/"
KINDS = {"unit": say("site.overlays.module.1"), "user": say("site.overlays.module.2")}


def overlay_root(site: Path) -> Path:
    """The folder that holds every overlay of the site published at `site`."""
    site = Path(os.path.abspath(site))
    return site.parent / f"{site.name}-overlays"


def overlay_name(audience: str) -> str:
    """`unit:jyj` -> `unit-jyj` (the folder of that overlay)."""
    kind, _, ident = audience.partition(":")
    return f"{kind}-{ident}"


def prefix(kind: str) -> str:
    """The site path of an overlay's own listing, entries and search bundle."""
    return f"restricted/{kind}/"


def reader_overlays(site: Path, person: str, unit: str | None) -> list[Path]:
    """The overlay folders a person reads, personal first (they may not exist)."""
    root = overlay_root(site)
    found = [root / overlay_name(f"user:{person}")]
    if unit:
        found.append(root / overlay_name(f"unit:{unit}"))
    return found


def groups(units: dict[str, UnitContent]) -> dict[str, list[Item]]:
    """audience (`unit:X` / `user:Y`) -> the items restricted to it; an item naming two audiences
    is in both overlays; one naming nobody valid is in none."""
    found: dict[str, list[Item]] = {}
    for content in units.values():
        for item in content.items:
            named = item_audience(item.meta)
            for audience in sorted(named or ()):
                found.setdefault(audience, []).append(item)
    return found


def listing_bases(item: Item) -> list[str]:
    """The base's listing pages an item would be on (the browser merges it into their front pages)."""
    bases = ["", f"units/{item.unit}/"]
    if item.kind == "document":
        bases += [f"years/{item.year}/", f"types/{item.type or '其他'}/"]
    else:
        bases.append(f"columns/{item.column}/")
    return bases


def entries_json(items: list[Item], unit_names: dict[str, str], registers: bool = False) -> bytes:
    """Newest first, each with the listings it belongs to; `registers`: the overlay has the
    unit's registers page (the browser then links it from the site's navigation)."""
    ordered = sorted(items, key=Item.order_key, reverse=True)
    rows = [{**entry(i, unit_names), "lists": listing_bases(i)} for i in ordered]
    data: dict[str, Any] = {"entries": rows}
    if registers:
        data["registers"] = {"url": f"/{REGISTERS}", "title": say("site.overlays.entries_json.1")}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def search_config(kind: str) -> bytes:
    bundle = {"bundlePath": f"/{prefix(kind)}_pagefind/", "baseUrl": "/"}  # results keep their own URLs
    return (f"window.OA_SEARCH_MERGE = (window.OA_SEARCH_MERGE || []).concat([{json.dumps(bundle)}]);\n"
            ).encode()


def _overlay_salt(base_salt: str, audience: str) -> str:
    return hashlib.sha256(f"overlay|{base_salt}|{audience}".encode()).hexdigest()[:24]


def build_overlays(ctx: _Context, site: Path, units: dict[str, UnitContent], full: bool,
                   base_salt: str, records: Records | None = None) -> dict[str, BuildReport | None]:
    """Build every overlay that has something for its readers (restricted items, a unit's
    registers, restricted catalogue rows); remove those that have none any more.
    Returns overlay folder name -> its build report (None: unchanged, not touched)."""
    from repo_tools.site.build import SiteState, _generate, _item_plan, _Timer
    records = records if records is not None else Records(ctx.city)
    root = overlay_root(site)
    root.mkdir(parents=True, exist_ok=True)
    reports: dict[str, BuildReport | None] = {}
    found = groups(units)
    audiences = set(found) | overlay_audiences(records)
    audiences |= {f"unit:{u}" for u in ctx.registry.units if records.has_deliveries(u) or records.access(u)}
    for audience in sorted(audiences):
        kind, _, ident = audience.partition(":")
        items = found.get(audience, [])
        name = overlay_name(audience)
        publication = Publication(root / name)
        salt = _overlay_salt(base_salt, audience)
        previous = None if full else publication.load_state()
        fresh = previous is None or previous.salt != salt or publication.live() is None
        state: SiteState = SiteState(salt, epoch=os.urandom(8).hex()) if fresh or previous is None else previous
        record_plans = _record_plans(ctx, records, audience, salt)
        if not items and not record_plans:
            continue
        memo: dict[str, Any] = {}  # document keys kept for the next build (build._document_key)
        plans = [_item_plan(ctx, i, salt, state, memo) for i in items]
        if items:
            plans += _listing_plans(items, ctx.unit_names, salt, kind)
        plans += record_plans
        registers = any(p.url == REGISTERS for p in record_plans)
        extra_files = {f"{prefix(kind)}entries.json": entries_json(items, ctx.unit_names, registers)}
        if items:  # a bundle only where there are pages to find
            extra_files[f"{prefix(kind)}search-config.js"] = search_config(kind)
        keys = {p.url: p.key for p in plans}
        files_key = {rel: hashlib.sha256(data).hexdigest() for rel, data in extra_files.items()}
        if not fresh and keys == state.pages and all(state.assets.get(r) == k for r, k in files_key.items()) \
                and set(files_key) == {r for r in state.assets if r.startswith(prefix(kind))}:
            reports[name] = None
            continue
        reports[name] = _generate(ctx, publication, previous, state, fresh, salt, items, plans,
                                  {"audience": audience, "overlay": kind}, _Timer(), {},
                                  bundle_at=f"{prefix(kind)}_pagefind", extra_files=extra_files,
                                  carry={"item_keys": memo})
    for path in root.iterdir():
        if not path.name.startswith(".") and path.name not in reports:
            _drop_overlay(root, path.name)
    return reports


def _record_plans(ctx: _Context, records: Records, audience: str, salt: str) -> list[PagePlan]:
    """The record pages an overlay carries: a unit's registers, and the catalogue pages with rows
    restricted to its readers."""
    kind, _, ident = audience.partition(":")
    try:
        readers = build_readers(audience, ctx.registry)
    except Refused:  # an audience naming nobody registered: only its own name reads it
        readers = frozenset({audience})
    plans: list[PagePlan] = []
    if kind == "unit":
        registers = records.registers_plan(ident, salt)
        if registers is not None:
            plans.append(registers)
    return plans + overlay_catalogue_plans(records, readers, salt)


def _listing_plans(items: list[Item], unit_names: dict[str, str], salt: str, kind: str) -> list[PagePlan]:
    ordered = sorted(items, key=Item.order_key)
    return Listing(prefix(kind), KINDS[kind], ordered).plans(unit_names, salt + digest(unit_names))


def _drop_overlay(root: Path, name: str) -> None:
    """An audience with no restricted items left: its overlay goes, link first (readers then
    get the base only), then its slots."""
    link = root / name
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    shutil.rmtree(root / f".{name}.builds", ignore_errors=True)


def describe(reports: dict[str, Any]) -> str:
    built = [n for n, r in reports.items() if r is not None]
    return say("site.overlays.describe.1", len_reports=len(reports), len_built=len(built))
