"""`oa site build`: collect what one audience may read, plan every page, render with MkDocs only
the pages whose content key changed, index them for search, and publish atomically."""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import eventlog
from ..city import City
from ..gitrepo import clean_env, rev_parse
from ..markup import to_safe_html
from . import adapters, search
from .audience import build_readers, parse_build_audience, visible
from .collect import Item, UnitContent, collect_unit, read_blob, read_bodies
from .pages import PagePlan, digest, entry, listings
from .publish import SLOTS, Publication
from .records import archive_plans, register_plans
from .rendering import MKDOCS_YML, render_and_index
from .thumbnails import IMAGE_SUFFIXES, thumbnail

TEMPLATES = MKDOCS_YML.parent / "site_templates"
FORMAT = 4  # bump when the meaning of the saved state changes


@dataclass
class SiteState:
    """What the live generation was built from; the next build compares against it."""
    salt: str
    sequence: int = 0
    units: dict[str, UnitContent] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)        # url -> content key
    assets: dict[str, str] = field(default_factory=dict)       # file path in site -> blob id
    thumbs: dict[str, dict[str, str]] = field(default_factory=dict)  # item url -> {image: thumb}
    search_shards: list[dict[str, str]] = field(default_factory=list)  # per base bundle: url -> key
    delta_index: dict[str, str] = field(default_factory=dict)  # searchable url -> key (delta bundle)
    epoch: str = ""                                            # a full build starts a new epoch
    journal: dict[int, set[str]] = field(default_factory=dict)  # generation -> site paths it changed

    @property
    def generation(self) -> int:
        return self.sequence


@dataclass
class BuildReport:
    """What a build did (the tests and the benchmark read it)."""
    out: Path
    generation: Path
    audience: str
    full: bool
    items: int
    rendered: list[str]
    removed: list[str]
    search: str
    seconds: dict[str, float]
    replayed: int = 0          # paths replayed into the slot from the journal (-1: full copy)

    @property
    def address(self) -> str:
        return str(self.out)


def _salt(audience: str) -> str:
    """Changes of templates, of this package or of the seams re-render every page."""
    h = hashlib.sha256(f"{FORMAT}|{audience}|{adapters.HAS_OFFICIAL_FORM}".encode())
    for folder in (TEMPLATES, Path(__file__).parent):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.name.encode())
                h.update(path.read_bytes())
    if MKDOCS_YML.exists():
        h.update(MKDOCS_YML.read_bytes())
    return h.hexdigest()[:24]


class _Timer:
    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self._last = time.perf_counter()

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[name] = round(now - self._last, 3)
        self._last = now


def build_site(city: City, out: Path | str | None = None, audience: str = "all",
               full: bool = False) -> BuildReport:
    """Build the site that `audience` may read into `out` (default: the city's site folder)."""
    timer = _Timer()
    audience = parse_build_audience(audience)
    registry = city.registry()
    registry_head = rev_parse(city.registry_repo, "refs/heads/main", env=clean_env()) or ""
    readers = build_readers(audience, registry)
    publication = Publication(Path(out) if out else city.site_dir)
    salt = _salt(audience)
    previous = None if full else publication.load_state()
    fresh = previous is None or previous.salt != salt
    state: SiteState = SiteState(salt, epoch=os.urandom(8).hex()) if fresh else previous
    sequence = state.sequence + 1
    arrival = 0 if fresh else sequence

    bodies: dict[str, str] = {}
    times: dict[str, str] | None = None
    units: dict[str, UnitContent] = {}
    for unit_id in sorted(registry.units):
        old = state.units.get(unit_id)
        head = rev_parse(city.unit_repo(unit_id), "refs/heads/main", env=clean_env())
        if old is None or old.head != head:
            times = times if times is not None else eventlog.trusted_times(city.log_file)
        units[unit_id] = collect_unit(city, unit_id, old, arrival, bodies, times)
    unit_names = {u: registry.units[u].name for u in registry.units}
    items = [i for content in units.values() for i in content.items if visible(i.meta, readers)]
    timer.mark("collect")

    seal_cache: dict[str, str] = {}
    verification = adapters.Verification(city)
    plans = [_item_plan(verification, registry, i, salt, registry_head, unit_names, bodies, seal_cache, state)
             for i in items]
    plans += listings(items, unit_names, salt + digest(unit_names))
    plans += register_plans(city, audience, salt) + archive_plans(city, readers, salt)
    wanted = {p.url: p for p in plans}
    to_render = [p for p in plans if state.pages.get(p.url) != p.key]
    removed = [url for url in state.pages if url not in wanted]
    read_bodies(city, [p.item for p in to_render if p.item is not None], bodies)
    timer.mark("plan")

    generation = publication.prepare(incremental=not fresh, live_state=previous)
    timer.mark("prepare")
    changed: set[str] = set()
    try:
        for url in removed:
            item_page = url.startswith(("documents/", "bulletins/"))
            _remove_page(generation, url, item_page)
            changed.add(url.rstrip("/") if item_page else f"{url}index.html")
            state.thumbs.pop(url, None)
        assets = _write_assets(city, generation, items, state, changed)
        timer.mark("assets")
        extra = {"audience": audience}
        searchable = {p.url: p.key for p in plans if p.searchable}
        search_plan = search.plan(searchable, state.search_shards, state.delta_index, generation, fresh)
        # Rendering and (re)making base search bundles run together, in workers on big builds.
        done = render_and_index(generation, publication.store, to_render, extra, search_plan)
        changed.update(done.written)
        rendered = done.pages
        timer.mark("render+index")
        _update_delta(generation, search_plan, state, changed)
        timer.mark("search")
        search_mode = search_plan.mode
        journal = {g: paths for g, paths in state.journal.items() if g > sequence - 2 * SLOTS}
        if not fresh:
            journal[sequence] = changed
        new_state = SiteState(salt, sequence, units, {p.url: p.key for p in plans}, assets, state.thumbs,
                              search_plan.shards, state.delta_index, state.epoch, journal)
        publication.publish(generation, new_state)
        timer.mark("publish")
    except BaseException:
        publication.discard(generation)
        raise
    return BuildReport(publication.out, generation, audience, fresh, len(items), rendered, removed,
                       search_mode, timer.marks, publication.replayed)


def _item_plan(verification: adapters.Verification, registry: Any, item: Item, salt: str, registry_head: str,
               unit_names: dict[str, str], bodies: dict[str, str], seal_cache: dict[str, str],
               state: SiteState) -> PagePlan:
    unit = registry.units.get(item.unit)
    unit_name = unit_names.get(item.unit, item.unit)
    level = getattr(unit, "level", "department")
    if item.kind == "document":
        # The folder's tree id covers index.md (so the metadata) and every attachment and image.
        key = _key(salt, "document", item.tree, item.published_at, unit_name, level, registry_head)

        def context() -> dict[str, Any]:
            body_html = to_safe_html(bodies[item.source])
            report = verification.report(item.unit, item.folder, item.meta)
            seal = None
            if report.get("sealed"):
                if unit_name not in seal_cache:
                    seal_cache[unit_name] = adapters.seal_svg(unit_name, str(level))
                seal = seal_cache[unit_name]
            links = {str(a.get("file")): str(a.get("file")) for a in item.meta.get("attachments") or []
                     if isinstance(a, dict) and str(a.get("file")) in item.files}
            from ..workflow.signature_block import co_issuers  # 联合行文: every unit's name and seal
            joint = co_issuers(registry, item.meta, bool(report.get("sealed")), item.unit)
            official = adapters.official_html(item.meta, body_html, unit_name, seal, links, joint)
            return {"item": entry(item, unit_names), "meta": item.meta, "official": Markup(official),
                    "report": report, "unit_id": item.unit, "unit_name": unit_name,
                    "published_at": item.published_at}
        return PagePlan(item.url, "document.html", item.title, key, context, item, searchable=True)

    # The thumbnails are made from the images, which the folder's tree id covers (and the salt covers
    # how they are made), so they need no part in the key: with them in it, a bulletin with a photo
    # was rendered again by the first rebuild after it arrived.
    key = _key(salt, "bulletin", item.tree, item.published_at, unit_name)

    def bulletin_context() -> dict[str, Any]:
        body_html = to_safe_html(bodies[item.source])
        for name, thumb in state.thumbs.get(item.url, {}).items():
            body_html = body_html.replace(f'src="{name}"', f'src="{thumb}"')
        return {"item": entry(item, unit_names), "meta": item.meta, "body": Markup(body_html),
                "unit_id": item.unit, "unit_name": unit_name, "published_at": item.published_at,
                "images": [n for n in sorted(item.files) if Path(n).suffix.lower() in IMAGE_SUFFIXES]}
    return PagePlan(item.url, "bulletin.html", item.title, key, bulletin_context, item, searchable=True)


def _key(*parts: object) -> str:
    """A content key from short strings (cheap: computed for every item on every build)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def _remove_page(generation: Path, url: str, whole_folder: bool) -> None:
    """Remove a page that is no longer in the build (its assets go with an item page)."""
    import shutil
    folder = generation / url
    if whole_folder:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        (folder / "index.html").unlink(missing_ok=True)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # a new inode: the live generation's hard link keeps the old bytes


def _write_assets(city: City, generation: Path, items: list[Item], state: SiteState,
                  changed: set[str]) -> dict[str, str]:
    """Attachments and images of every visible item; only new or changed blobs are written."""
    assets: dict[str, str] = {}
    thumbs = state.thumbs
    for item in items:
        for name, oid in item.files.items():
            rel = f"{item.url}{name}"
            assets[rel] = oid
            if state.assets.get(rel) == oid and (generation / rel).exists():
                continue
            data = read_blob(city, item.unit, oid)
            _atomic_write(generation / rel, data)
            changed.add(rel)
            if item.kind == "bulletin" and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                small = thumbnail(data)
                if small is not None:
                    thumb = f"thumbs/{Path(name).stem}.jpg"
                    _atomic_write(generation / item.url / thumb, small)
                    changed.add(f"{item.url}{thumb}")
                    thumbs.setdefault(item.url, {})[name] = thumb
                    assets[f"{item.url}{thumb}"] = oid
    for rel in state.assets:
        if rel not in assets:
            (generation / rel).unlink(missing_ok=True)
            changed.add(rel)
    return assets


def _update_delta(generation: Path, search_plan: search.SearchPlan, state: SiteState,
                  changed: set[str]) -> None:
    """Remake the delta bundle of pages added since the base bundles, and the search page's list
    of bundles to merge (see search.py)."""
    if search_plan.delta is not None:
        search.index_bundle(generation, sorted(search_plan.delta), search.DELTA)
        state.delta_index = dict(search_plan.delta)
        changed.add(search.DELTA)
    if search_plan.mode != "unchanged":
        merge = [search.bundle(n) for n, shard in enumerate(search_plan.shards) if n and shard]
        search.write_search_config(generation, merge + ([search.DELTA] if state.delta_index else []))
        changed.add("assets/search-config.js")
