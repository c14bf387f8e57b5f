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
resolves a path in the personal overlay, then the unit's, then the base; the theme's static files
and the 404 page are the base's alone). Overlays exist only for units and people that have
something of their own (restricted items, registers, catalogue rows), so the build follows the
content, not the number of people.

How a build stays proportional to what changed:
- every overlay has one key (`overlay_key`: its readers, its pages' keys, its small files), kept
  for all overlays in one overlay index (`<site>-overlays/.overlays.index`); an overlay whose key
  did not change is skipped without opening its own state, so a rebuild with nothing new writes
  no file at all;
- the key is cheap to make: document keys come from the index's memo (build._document_key), a
  unit's registers are read again only when its record refs (delivery refs, the access register's
  branch, read from the ref store) or the registry moved, catalogue copies are chosen in one pass
  over the catalogue;
- the overlays that changed are built together (overlay_build.py): each into its own slot, with
  its own state and journal (publish.py), but their pages rendered in one MkDocs pass and their
  search bundles made by one Pagefind process (search.index_bundles), shared with one forked
  worker when there are many.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repo_tools.messages import Refused
from repo_tools.site.audience import build_readers, item_audience
from repo_tools.site.collect import Item, UnitContent
from repo_tools.site.pages import Listing, PagePlan, digest, entry
from repo_tools.site.publish import Publication
from repo_tools.site.records import Records, catalogue_plan
from repo_tools.git.atomic import write_atomic
from repo_tools.messages import say

if TYPE_CHECKING:
    from repo_tools.site.build import BuildReport, BuildContext

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


INDEX = ".overlays.index"   # in the overlay root: each overlay's key (see OverlayIndex)
INDEX_FORMAT = 1
RECORD_REFS = ("refs/inbox/", "refs/outbox/", "refs/receipts/", "refs/replies/")
ACCESS_REF = "refs/heads/archive-register"   # archive/access.py's REGISTER_REF


@dataclass
class Known:
    """What the overlay index keeps of one overlay: its key, the memo of its document keys
    (build._document_key) and what its registers page was made from."""
    key: str
    item_keys: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)
    registers: tuple[str, int | None, str, str] | None = None  # (inputs, log size or None, key, title)


@dataclass
class OverlayIndex:
    """One small file for all overlays, so that a rebuild decides which overlays to build by
    one key each, without opening any overlay's own state: an overlay whose key did not change
    (its items, its registers, its catalogue rows, its readers, the salt) is not touched."""
    overlays: dict[str, Known] = field(default_factory=dict)

    @staticmethod
    def load(root: Path) -> "OverlayIndex":
        try:
            with (root / INDEX).open("rb") as handle:
                data = pickle.load(handle)
            if isinstance(data, dict) and data.get("format") == INDEX_FORMAT:
                return OverlayIndex(dict(data["overlays"]))
        except Exception:  # noqa: BLE001 - missing or unreadable: every overlay is looked at again
            pass
        return OverlayIndex()

    def save(self, root: Path) -> None:
        data = pickle.dumps({"format": INDEX_FORMAT, "overlays": self.overlays}, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(root / INDEX, data)


def record_refs(repo: Path) -> tuple[tuple[str, str], ...]:
    """The unit's delivery refs and its access register's branch (name, object id), read from
    the ref store itself (packed-refs, then the loose refs over it), not by a git process: every
    build asks it of every unit. Its registers are made from these refs and the log's times."""
    found: dict[str, str] = {}
    try:
        packed = (repo / "packed-refs").read_text(encoding="utf-8", errors="replace")
    except OSError:
        packed = ""
    for line in packed.splitlines():
        oid, _, name = line.partition(" ")
        if name.startswith(RECORD_REFS) or name == ACCESS_REF:
            found[name] = oid
    for prefix in RECORD_REFS:
        top = repo / prefix.rstrip("/")
        if not top.is_dir():
            continue
        for folder, _, names in os.walk(top):
            for file in names:
                path = Path(folder) / file
                try:
                    found[path.relative_to(repo).as_posix()] = path.read_text(encoding="ascii").strip()
                except (OSError, UnicodeDecodeError):
                    continue
    try:
        found[ACCESS_REF] = (repo / ACCESS_REF).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        pass
    return tuple(sorted(found.items()))


def catalogue_selection(records: Records) -> dict[str, list[dict[str, Any]]]:
    """audience -> the catalogue pages with rows restricted to it, read once per build (not once
    per overlay: a city's catalogue times its overlays would grow with the people)."""
    selection: dict[str, list[dict[str, Any]]] = {}
    for page in records.pages:
        named: set[str] = set()
        for row in page["rows"]:
            named |= item_audience({"audience": row.get("audience", "all")}) or set()
        for audience in named:
            selection.setdefault(audience, []).append(page)
    return selection


def overlay_key(salt: str, readers: frozenset[str], plans: list[PagePlan], files: dict[str, bytes]) -> str:
    """The one key of an overlay: everything its pages and files are made of."""
    return digest(salt, sorted(readers), sorted((p.url, p.key) for p in plans),
                  sorted((rel, hashlib.sha256(data).hexdigest()) for rel, data in files.items()))


@dataclass
class _Planned:
    """One overlay as planned: what it holds, and its key."""
    audience: str
    name: str
    salt: str
    readers: frozenset[str]
    items: list[Item]
    record_plans: list[PagePlan]
    listing_plans: list[PagePlan]
    extra_files: dict[str, bytes]
    key: str
    item_keys: dict[str, tuple[tuple[Any, ...], str]]
    registers: tuple[str, int | None, str, str] | None


class _Planner:
    """Plans every overlay of one build from what the base build already read (the units'
    items, the registry, the records), at a cost that follows what changed: document keys come
    from the index's memo, registers are read again only when the unit's record refs (or the
    registry) moved, catalogue pages are chosen in one pass."""

    def __init__(self, ctx: BuildContext, records: Records, index: OverlayIndex, base_salt: str) -> None:
        self.ctx, self.records, self.index, self.base_salt = ctx, records, index, base_salt
        self.selection = catalogue_selection(records)
        self.refs = {u: record_refs(ctx.city.unit_repo(u)) for u in sorted(ctx.registry.units)}
        self._log_size: int | None = None

    def audiences(self, found: dict[str, list[Item]]) -> set[str]:
        return set(found) | set(self.selection) | {f"unit:{u}" for u, refs in self.refs.items() if refs}

    def log_size(self) -> int:
        if self._log_size is None:
            try:
                self._log_size = self.ctx.city.log_file.stat().st_size
            except OSError:
                self._log_size = 0
        return self._log_size

    def plan(self, audience: str, items: list[Item]) -> _Planned | None:
        from repo_tools.site.build import SiteState, item_plan
        kind, _, ident = audience.partition(":")
        name = overlay_name(audience)
        salt = _overlay_salt(self.base_salt, audience)
        known = self.index.overlays.get(name)
        try:
            readers = build_readers(audience, self.ctx.registry)
        except Refused:  # an audience naming nobody registered: only its own name reads it
            readers = frozenset({audience})
        registers = self._registers(ident, salt, known) if kind == "unit" else None
        record_plans = [registers[1]] if registers is not None else []
        record_plans += self._catalogue_plans(readers, salt)
        if not items and not record_plans:
            return None
        light = SiteState(salt, item_keys=dict(known.item_keys) if known else {})
        memo: dict[str, Any] = {}
        plans = [item_plan(self.ctx, i, salt, light, memo) for i in items]
        listing = _listing_plans(items, self.ctx.unit_names, salt, kind) if items else []
        has_registers = any(p.url == REGISTERS for p in record_plans)
        extra_files = {f"{prefix(kind)}entries.json": entries_json(items, self.ctx.unit_names, has_registers)}
        if items:  # a bundle only where there are pages to find
            extra_files[f"{prefix(kind)}search-config.js"] = search_config(kind)
        key = overlay_key(salt, readers, plans + listing + record_plans, extra_files)
        return _Planned(audience, name, salt, readers, items, record_plans, listing, extra_files, key, memo,
                        registers[0] if registers is not None else None)

    def _registers(self, unit: str, salt: str, known: Known | None
                   ) -> tuple[tuple[str, int | None, str, str], PagePlan] | None:
        """The unit's registers page: made again only when what it is made of moved (the unit's
        record refs, the registry); otherwise the plan of the last build (same key, so the page
        is not rendered; its context is read only if the overlay is rebuilt from scratch)."""
        refs = self.refs.get(unit) or ()
        if not refs:
            return None
        records = self.records
        inputs = digest(salt, unit, refs, self.ctx.registry_head)
        kept = known.registers if known else None
        if kept is not None and kept[0] == inputs and (kept[1] is None or kept[1] == self.log_size()):
            def context() -> dict[str, Any]:
                made = records.registers_plan(unit, salt, always=True)
                return made.context() if made is not None else {}
            return kept, PagePlan(REGISTERS, "registers.html", kept[3], kept[2], context)
        made = records.registers_plan(unit, salt, always=True)
        if made is None:
            return None
        # The page shows the log's times of these refs' objects; a ref pushed and not yet logged
        # (the hook logs after the refs moved) makes the page wait for the log to grow.
        times = getattr(records, "_times", None) or {}
        settled = all(oid in times for _, oid in refs)
        return (inputs, None if settled else self.log_size(), made.key, made.title), made

    def _catalogue_plans(self, readers: frozenset[str], salt: str) -> list[PagePlan]:
        """Copies of the catalogue pages holding rows restricted to these readers, each with
        every row they may see (a person's copy carries their unit's rows too)."""
        chosen: dict[int, dict[str, Any]] = {}
        for reader in sorted(readers):
            for page in self.selection.get(reader, []):
                chosen.setdefault(id(page), page)
        order = {id(p): n for n, p in enumerate(self.records.pages)}
        pages = sorted(chosen.values(), key=lambda p: order.get(id(p), 0))
        return [catalogue_plan(page, readers, salt)[0] for page in pages]


def build_overlays(ctx: BuildContext, site: Path, units: dict[str, UnitContent], full: bool,
                   base_salt: str, records: Records | None = None) -> dict[str, BuildReport | None]:
    """Build every overlay that has something for its readers (restricted items, a unit's
    registers, restricted catalogue rows); remove those that have none any more.
    Returns overlay folder name -> its build report (None: unchanged, not touched).

    Each overlay has one key (overlay_key), kept in the overlay index: an unchanged overlay is
    skipped without reading its state, so a rebuild that changed nothing writes nothing. The
    overlays that changed are built together (overlay_build.py): their pages in one MkDocs
    pass, their search bundles by one Pagefind process."""
    records = records if records is not None else Records(ctx.city, ctx.registry)
    root = overlay_root(site)
    root.mkdir(parents=True, exist_ok=True)
    index = OverlayIndex() if full else OverlayIndex.load(root)
    planner = _Planner(ctx, records, index, base_salt)
    found = groups(units)
    reports: dict[str, BuildReport | None] = {}
    todo: list[_Planned] = []
    kept: dict[str, Known] = {}
    for audience in sorted(planner.audiences(found)):
        planned = planner.plan(audience, found.get(audience, []))
        if planned is None:
            continue
        known = index.overlays.get(planned.name)
        if not full and known is not None and known.key == planned.key and _published(root / planned.name):
            reports[planned.name] = None
            kept[planned.name] = known
            continue
        todo.append(planned)
    built = _build(ctx, root, todo, full)
    reports.update(built)
    for planned in todo:
        kept[planned.name] = Known(planned.key, planned.item_keys, planned.registers)
    for path in root.iterdir():
        if not path.name.startswith(".") and path.name not in reports:
            _drop_overlay(root, path.name)
    if kept != index.overlays:  # a rebuild that changed nothing writes nothing
        OverlayIndex(kept).save(root)
    return reports


def _published(link: Path) -> bool:
    """The overlay's link leads to a folder (publish.py made it; a lookup, not a `realpath`)."""
    return os.path.islink(link) and os.path.isdir(link)


def _build(ctx: BuildContext, root: Path, todo: list[_Planned], full: bool) -> dict[str, BuildReport | None]:
    """Build the overlays that changed: each its own generation (slot, state, journal), their
    pages rendered in one pass and their bundles made by one Pagefind process, then each
    published in turn (a failure discards every slot not yet published)."""
    from repo_tools.site.build import SiteState, Generation, item_plan, prefetch_signatures, Timer
    from repo_tools.site import search
    from repo_tools.site.overlay_build import PageJob, render_and_index
    started: list[tuple[_Planned, str, Any, list[PagePlan]]] = []
    reports: dict[str, BuildReport | None] = {}
    try:
        for planned in todo:
            kind = planned.audience.partition(":")[0]
            publication = Publication(root / planned.name)
            previous = None if full else publication.load_state()
            fresh = previous is None or previous.salt != planned.salt or publication.live() is None
            state: SiteState = (SiteState(planned.salt, epoch=os.urandom(8).hex()) if fresh or previous is None
                                else previous)
            memo: dict[str, Any] = {}  # document keys kept for the next build (build._document_key)
            plans = [item_plan(ctx, i, planned.salt, state, memo) for i in planned.items]
            plans += planned.listing_plans + planned.record_plans
            planned.key = overlay_key(planned.salt, planned.readers, plans, planned.extra_files)
            planned.item_keys = memo
            bundle_at = f"{prefix(kind)}_pagefind"
            generation = Generation(ctx, publication, previous, state, fresh, planned.salt, planned.items, plans,
                                     {"audience": planned.audience, "overlay": kind}, Timer(), {},
                                     bundle_at=bundle_at, extra_files=planned.extra_files,
                                     carry={"item_keys": memo})
            started.append((planned, bundle_at, generation, generation.start()))
        # One gpg run for the signatures of every overlay's documents (not one per overlay).
        prefetch_signatures(ctx, [p for _, _, _, main in started for p in main])
        jobs = [PageJob(g.slot, main, g.extra, bundle_at if g.search_plan.rebuild else None,
                        sorted(g.search_plan.shards[0]) if g.search_plan.rebuild else None)
                for _, bundle_at, g, main in started]
        rendered = render_and_index(root / ".overlays.builds", jobs, getattr(ctx.verification, "flush", None))
        for (planned, _, generation, _), done in zip(started, rendered, strict=True):
            if generation.search_plan.rebuild:  # indexed above, with the others: not again in `finish`
                generation.rendering.search_plan = search.SearchPlan(generation.search_plan.shards, [], None)
            reports[planned.name] = generation.finish(done)
    except BaseException:
        for _, _, generation, _ in started:
            generation.abort()
        raise
    return reports


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
