"""`oa site build`: collect what one audience may read, plan every page, render with MkDocs only
the pages whose content key changed, index them for search, and publish atomically."""
from __future__ import annotations

import gc
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from repo_tools.city import City
from repo_tools.git.repo import clean_env, rev_parse
from repo_tools.git.atomic import write_atomic
from repo_tools.documents.markup import to_safe_html
from repo_tools.documents.render import TEXT_ATTACHMENTS, text_attachment_html
from repo_tools.site import adapters, search
from repo_tools.site.audience import build_readers, parse_build_audience, visible
from repo_tools.site.collect import Item, UnitContent, collect_unit, read_blob, read_bodies
from repo_tools.site.confine import OutsideOutput, inside, site_relative, warn
from repo_tools.site.headers import published_name
from repo_tools.site.pages import PagePlan, digest, entry, listings
from repo_tools.site.publish import SLOTS, Preview, Publication
from repo_tools.site.records import Records, archive_plans, register_plans
from repo_tools.site.rendering import MKDOCS_YML, Rendered, Rendering
from repo_tools.site.thumbnails import IMAGE_SUFFIXES, thumbnail
from repo_tools.messages import say

TEMPLATES = MKDOCS_YML.parent / "site_templates"
FORMAT = 6  # bump when the meaning of the saved state changes
FINAL_MARKS = ("witnessed", "unsealed")  # a document's witness mark that no later log entry changes


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
    # document url -> (what its key was made of, besides the witness mark; the key), for documents
    # whose mark was final: the next build reuses the key while the unit's main has not moved.
    item_keys: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)
    catalogues: dict[str, tuple[str | None, list[dict[str, Any]]]] = field(default_factory=dict)  # unit -> (main, pages)
    access_rows: dict[str, tuple[str, str, list[dict[str, Any]]]] = field(default_factory=dict)  # records.access
    unit_files: dict[str, str] = field(default_factory=dict)  # unit -> its content's file (publish.py)

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
    overlays: dict[str, "BuildReport | None"] = field(default_factory=dict)  # overlay -> its build
                                                                             # (None: unchanged)

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


class Timer:
    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self._last = time.perf_counter()

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[name] = round(now - self._last, 3)
        self._last = now


@dataclass
class BuildRequest:
    """What one build is asked for: by `oa site build` (`build_site`), or by the plugin's options
    and the environment under `mkdocs build` / `mkdocs serve` (plugin.py)."""
    city: City
    out: Path
    audience: str = "all"
    full: bool = False
    overlays: bool | None = None   # None: with overlays when the audience is `all`
    preview: bool = False          # `mkdocs serve`: write straight into MkDocs' folder (publish.Preview)


def build_site(city: City, out: Path | str | None = None, audience: str = "all",
               full: bool = False, overlays: bool | None = None) -> BuildReport:
    """Build the site that `audience` may read into `out` (default: the city's site folder).

    The `all` build is the shared base; by default it also builds the overlays (overlays.py):
    per unit and per person, only the items restricted to them, beside `out` in `<out>-overlays/`.
    MkDocs runs the build: its plugin (plugin.py) collects, plans and publishes (SiteBuild)."""
    from repo_tools.site.rendering import run_build
    request = BuildRequest(city, Path(out) if out else city.site_dir, parse_build_audience(audience), full, overlays)
    return run_build(request)


class SiteBuild:
    """One build of the site in the phases of MkDocs' life cycle (the plugin calls them):
    `collect` in `on_config` (what the audience may read; the slot MkDocs writes into),
    `plan` in `on_files` (every page's plan; the pages to render, the rest stays as it is),
    `finish` in `on_post_build` (search, atomic publishing, then the overlays)."""

    def __init__(self, request: BuildRequest) -> None:
        self.request = request
        self.timer = Timer()
        self.generation: Generation | None = None
        self.collector_held = False  # True from `collect` until `_thaw`: the collector is ours to give back

    def collect(self) -> Path:
        """Read every unit's `main` (what changed since the last build); returns the folder
        MkDocs is to write (a slot of the publication, published at `request.out`)."""
        try:
            return self._collect()
        except BaseException:
            self._thaw()
            raise

    def _collect(self) -> Path:
        request, timer = self.request, self.timer
        # Collecting and planning make objects that live until the build ends (the last state,
        # the items, a plan per page): with the collector on, its passes over all of them were
        # most of a rebuild's planning at 50,000 documents (2.0 s). It is off until the plans are
        # made (`plan`), then they are frozen out of its sight and it is on again for the
        # rendering; `_thaw` gives them back when the build ends either way.
        gc.disable()
        self.collector_held = True
        city = request.city
        self.audience = audience = parse_build_audience(request.audience)
        self.registry = registry = city.registry()
        self.registry_head = rev_parse(city.registry_repo, "refs/heads/main", env=clean_env()) or ""
        self.readers = build_readers(audience, registry)
        self.publication = Preview(request.out) if request.preview else Publication(request.out)
        salt = _salt(audience)
        # Art. 44-45: while a fault is open every page carries its banner, so the open incidents
        # are part of every page's key (a fresh build when one opens, changes state or closes).
        from repo_tools.incident import open_incidents
        self.incidents = incidents = open_incidents(city)
        self.salt = salt = _with_incidents(salt, incidents)
        self.previous = previous = None if request.full else self.publication.load_state()
        self.fresh = fresh = previous is None or previous.salt != salt
        self.state: SiteState = SiteState(salt, epoch=os.urandom(8).hex()) if fresh or previous is None else previous
        arrival = 0 if fresh else self.state.sequence + 1

        self.bodies: dict[str, str] = {}
        self.units: dict[str, UnitContent] = {}
        self.moved: set[str] = set()  # units whose main moved since the live build (all, on a fresh one)
        for unit_id in sorted(registry.units):
            old = self.state.units.get(unit_id)
            # Trusted times are looked up for the unit's new commits only (collect.py), never by
            # loading every object the log has indexed.
            self.units[unit_id] = collect_unit(city, unit_id, old, arrival, self.bodies, None)
            if old is None or self.units[unit_id] is not old:
                self.moved.add(unit_id)
        self.unit_names = {u: registry.units[u].name for u in registry.units}
        items = [i for content in self.units.values() for i in content.items if visible(i.meta, self.readers)]
        self.items = [i for i in items if _publishable(i)]
        timer.mark("collect")
        self.slot = self.publication.choose()
        return self.slot

    def plan(self) -> list[PagePlan]:
        """Every page's plan; returns those this process renders in MkDocs' pass (the workers
        render theirs, unchanged pages are not rendered at all)."""
        city, salt, items = self.request.city, self.salt, self.items
        verification = adapters.Verification(city, self.registry)
        self.context = context = BuildContext(city, self.registry, self.registry_head, self.unit_names, self.bodies,
                                          verification, self.incidents, moved=self.moved)
        plans = [item_plan(context, i, salt, self.state, context.item_keys) for i in items]
        plans += listings(items, self.unit_names, salt + digest(self.unit_names))
        catalogues = _catalogues(city, self.registry, self.units, self.state, self.moved)
        self.records = records = Records(city, self.registry, catalogues, getattr(self.state, "access_rows", None))
        plans += register_plans(city, self.audience, salt, records) + archive_plans(city, self.readers, salt, records)
        self.generation = Generation(context, self.publication, self.previous, self.state, self.fresh, salt, items,
                                      plans, {"audience": self.audience}, self.timer, self.units, target=self.slot,
                                      carry={"item_keys": context.item_keys, "catalogues": catalogues,
                                             "access_rows": records.made_access})
        try:
            return self.generation.start()
        finally:
            gc.freeze()
            gc.enable()

    def finish(self, main: Rendered) -> BuildReport:
        """After MkDocs wrote this process's pages: search, publish, then the overlays."""
        assert self.generation is not None
        try:
            report = self.generation.finish(main)
            request = self.request
            overlays = request.overlays if request.overlays is not None else self.audience == "all"
            if overlays and not request.preview:
                from repo_tools.site.overlays import build_overlays
                report.overlays = build_overlays(self.context, self.publication.out, self.units, request.full,
                                                 _with_incidents(_salt("overlay"), self.incidents), self.records)
                self.context.verification.flush()
                self.timer.mark("overlays")
        finally:
            self._thaw()
        return report

    def abort(self) -> None:
        """MkDocs failed: the workers are reaped and the slot discarded (the live site stays)."""
        try:
            if self.generation is not None:
                self.generation.abort()
        finally:
            self._thaw()

    def _thaw(self) -> None:
        """The collector as it was before `collect` (a long-lived process builds many times)."""
        if self.collector_held:
            self.collector_held = False
            gc.unfreeze()
            gc.enable()


@dataclass
class BuildContext:
    """What every page plan of one build shares (the base and each overlay)."""
    city: City
    registry: Any
    registry_head: str
    unit_names: dict[str, str]
    bodies: dict[str, str]
    verification: adapters.Verification
    incidents: list[dict[str, Any]] = field(default_factory=list)
    seal_cache: dict[str, str] = field(default_factory=dict)
    moved: set[str] | None = None   # units whose main moved (None: treat every unit as moved)
    item_keys: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)  # for the next build


def _catalogues(city: City, registry: Any, units: dict[str, UnitContent], state: SiteState,
                moved: set[str]) -> dict[str, tuple[str | None, list[dict[str, Any]]]]:
    """unit -> (its main, its archive catalogue pages): archive packages live on `main`, so only
    the units whose main moved are read again (one `cat-file` each), not every unit per build."""
    from repo_tools.archive.stats import catalogue_pages
    kept = {u: c for u, c in state.catalogues.items() if u in units and u not in moved and c[0] == units[u].head}
    fresh = [u for u in units if u not in kept]
    pages = catalogue_pages(city, registry, fresh) if fresh else []
    made = {u: (units[u].head, [p for p in pages if p["unit"] == u]) for u in fresh}
    return {u: (kept.get(u) or made[u]) for u in sorted(units)}


def _with_incidents(salt: str, incidents: list[dict[str, Any]]) -> str:
    """The open incidents are part of every page's key: their banner is on every page."""
    if not incidents:
        return salt
    marks = [salt, *[f"{i['id']}:{i['status']}" for i in incidents]]
    return hashlib.sha256("|".join(marks).encode()).hexdigest()[:24]


class Generation:
    """Rendering what changed of `plans` into a slot, indexing it for search and publishing it
    atomically, in two halves around the rendering of this process's pages: `start` (up to the
    pages to render) and `finish` (after). `bundle_at`: an overlay's single search bundle (None:
    the base's shards and delta); `extra_files`: site path -> bytes of small generated files (an
    overlay's entries); `target`: the slot chosen in advance (MkDocs' `site_dir`)."""

    def __init__(self, context: BuildContext, publication: Publication, previous: SiteState | None, state: SiteState,
                 fresh: bool, salt: str, items: list[Item], plans: list[PagePlan], extra: dict[str, Any],
                 timer: "Timer", units: dict[str, UnitContent], bundle_at: str | None = None,
                 extra_files: dict[str, bytes] | None = None, target: Path | None = None,
                 carry: dict[str, Any] | None = None) -> None:
        """`carry`: SiteState fields this build made for the next one (the memo of document keys)."""
        self.context, self.publication, self.previous, self.state = context, publication, previous, state
        self.carry = carry or {}
        self.fresh, self.salt, self.items, self.plans = fresh, salt, items, plans
        self.extra, self.timer, self.units = {**extra, "incidents": context.incidents}, timer, units
        self.bundle_at, self.extra_files, self.target = bundle_at, extra_files, target
        self.slot: Path | None = None
        self.rendering: Rendering | None = None
        self.changed: set[str] = set()
        self.published = False

    def start(self) -> list[PagePlan]:
        """Prepare the slot, write assets, plan search; returns the pages this process renders."""
        city, state, timer, plans = self.context.city, self.state, self.timer, self.plans
        wanted = {p.url: p for p in plans}
        to_render = [p for p in plans if state.pages.get(p.url) != p.key]
        self.removed = removed = [url for url in state.pages if url not in wanted]
        read_bodies(city, [p.item for p in to_render if p.item is not None], self.context.bodies)
        timer.mark("plan")

        self.slot = generation = self.publication.prepare(incremental=not self.fresh, live_state=self.previous,
                                                          target=self.target)
        timer.mark("prepare")
        changed = self.changed
        try:
            for url in removed:
                item_page = url.startswith(("documents/", "bulletins/"))
                _remove_page(generation, url, item_page)
                changed.add(url.rstrip("/") if item_page else f"{url}index.html")
                state.thumbs.pop(url, None)
            self.assets = assets = _write_assets(city, generation, self.items, state, changed)
            for rel, data in (self.extra_files or {}).items():
                key = hashlib.sha256(data).hexdigest()
                if state.assets.get(rel) != key or not (generation / rel).exists():
                    _atomic_write(generation / rel, data)
                    changed.add(rel)
                assets[rel] = key
            timer.mark("assets")
            searchable = {p.url: p.key for p in plans if p.searchable}
            if self.bundle_at is None:
                self.search_plan = search.plan(searchable, state.search_shards, state.delta_index, generation,
                                               self.fresh)
            else:  # an overlay is small: its one bundle is remade whenever one of its pages changes
                same = (not self.fresh and state.search_shards == [searchable]
                        and (generation / self.bundle_at).exists())
                self.search_plan = search.SearchPlan([searchable], [] if same else [0], None)
            # Rendering and (re)making base search bundles run together, in workers on big builds.
            self.rendering = Rendering(generation, self.publication.store, to_render, self.extra, self.search_plan,
                                       self.bundle_at, prepare=lambda ps: prefetch_signatures(self.context, ps),
                                       done=self.context.verification.flush)
            return self.rendering.main
        except BaseException:
            self.abort()
            raise

    def finish(self, main: Rendered) -> BuildReport:
        """Collect the workers, update the delta bundle, save the state and publish."""
        assert self.slot is not None and self.rendering is not None
        generation, state, timer, changed = self.slot, self.state, self.timer, self.changed
        sequence = state.sequence + 1
        try:
            done = self.rendering.join(main)
            self.context.verification.flush()  # the judgements and reports this process made
            changed.update(done.written)
            timer.mark("render+index")
            if self.bundle_at is None:
                _update_delta(generation, self.search_plan, state, changed)
            timer.mark("search")
            journal = {g: paths for g, paths in state.journal.items() if g > sequence - 2 * SLOTS}
            if not self.fresh:
                journal[sequence] = changed
            new_state = SiteState(state.salt, sequence, self.units, {p.url: p.key for p in self.plans}, self.assets,
                                  state.thumbs, self.search_plan.shards, state.delta_index, state.epoch, journal)
            for name, value in self.carry.items():
                setattr(new_state, name, value)
            self.publication.publish(generation, new_state)
            self.published = True
            timer.mark("publish")
        except BaseException:
            self.abort()
            raise
        return BuildReport(self.publication.out, generation, str(self.extra.get("audience")), self.fresh,
                           len(self.items), done.pages, self.removed, self.search_plan.mode, timer.marks,
                           self.publication.replayed)

    def abort(self) -> None:
        """Reap the workers and discard the slot, unless it is already the live site."""
        if self.rendering is not None:
            self.rendering.abort()
        if self.slot is not None and not self.published:
            self.publication.discard(self.slot)


def _document_key(ctx: BuildContext, item: Item, salt: str, state: SiteState, unit_name: str, level: str,
                  memo: dict[str, tuple[tuple[Any, ...], str]] | None) -> str:
    """A document page's key. Its witness mark costs a log lookup and an inclusion proof, so a
    mark that can no longer change (witnessed, or unsealed on a main that has not moved) is
    remembered with the key, and a rebuild reuses both: planning then costs what changed."""
    made_of = (item.tree, item.published_at, unit_name, level, ctx.registry_head)
    if memo is not None and ctx.moved is not None and item.unit not in ctx.moved:
        kept = state.item_keys.get(item.url)
        if kept is not None and kept[0] == made_of:
            memo[item.url] = kept
            return kept[1]
    mark = ctx.verification.final_mark(item.unit, item.folder, item.tree) \
        or ctx.verification.witness_mark(item.unit, item.folder)
    key = _key(salt, "document", *made_of, mark)
    if memo is not None and mark in FINAL_MARKS:
        memo[item.url] = (made_of, key)
    return key


PREFETCH_MIN = 1  # documents to render before their signatures are checked in one gpg run


def prefetch_signatures(ctx: BuildContext, plans: list[PagePlan]) -> None:
    """Before rendering many document pages (a first build, a new registry), gpg checks their
    signatures not yet judged in one run per process, instead of one gpg process each."""
    documents: list[tuple[str, str, str | None]] = [(p.item.unit, p.item.folder, p.item.tree) for p in plans
                 if p.item is not None and p.item.kind == "document"]
    if len(documents) >= PREFETCH_MIN:
        ctx.verification.prefetch(documents)


def item_plan(ctx: BuildContext, item: Item, salt: str, state: SiteState,
               memo: dict[str, tuple[tuple[Any, ...], str]] | None = None) -> PagePlan:
    verification, registry = ctx.verification, ctx.registry
    unit_names, bodies, seal_cache = ctx.unit_names, ctx.bodies, ctx.seal_cache
    city = ctx.city
    unit = registry.units.get(item.unit)
    unit_name = unit_names.get(item.unit, item.unit)
    if unit is not None and unit.names:  # Art. 9: the name the unit carried when it published this
        unit_name = unit.name_on(item.published_at)
    level = getattr(unit, "level", "department")
    if item.kind == "document":
        # The folder's tree id covers index.md (so the metadata) and every attachment and image.
        key = _document_key(ctx, item, salt, state, unit_name, str(level), memo)

        def context() -> dict[str, Any]:
            body_html = to_safe_html(bodies[item.source])
            report = verification.report(item.unit, item.folder, item.meta, item.tree)
            seal = None
            if report.get("sealed"):
                if unit_name not in seal_cache:
                    seal_cache[unit_name] = adapters.seal_svg(unit_name, str(level))
                seal = seal_cache[unit_name]
            links = {str(a.get("file")): asset_name(str(a.get("file")))
                     for a in item.meta.get("attachments") or []
                     if isinstance(a, dict) and str(a.get("file")) in item.files}
            # Text attachments (the 办法 of a notice) are shown on the page after the body, as the
            # print form does: readers get them as UTF-8 HTML and search finds their words here.
            pages = {}
            for name in links:
                if Path(name).suffix.lower() in TEXT_ATTACHMENTS:
                    page = text_attachment_html(name, read_blob(city, item.unit, item.files[name]))
                    if page is not None:
                        pages[name] = page
            from repo_tools.workflow.signature_block import co_issuers  # 联合行文: every unit's name and seal
            joint = co_issuers(registry, item.meta, bool(report.get("sealed")), item.unit)
            official = adapters.official_html(item.meta, body_html, unit_name, seal, links, pages, joint)
            return {"item": entry(item, unit_names), "meta": item.meta, "official": Markup(official),
                    "report": report, "unit_id": item.unit, "unit_name": unit_name,
                    "published_at": item.published_at}
        return PagePlan(item.url, "document.html", item.title, key, _guarded(item, context, unit_names, unit_name),
                        item, searchable=True)

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
                "images": [asset_name(n) for n in sorted(item.files) if Path(n).suffix.lower() in IMAGE_SUFFIXES]}
    return PagePlan(item.url, "bulletin.html", item.title, key,
                    _guarded(item, bulletin_context, unit_names, unit_name), item, searchable=True)


def _publishable(item: Item) -> bool:
    """An item whose site path is safe (a legacy folder name may not be); else reported, skipped."""
    try:
        if site_relative(item.url) != item.url:
            raise OutsideOutput(say("site.build._publishable.1", url=item.url[:80]))
    except OutsideOutput as exc:
        warn(f"{item.unit}/{item.folder[:120]}", str(exc))
        return False
    return True


def _guarded(item: Item, context: Any, unit_names: dict[str, str], unit_name: str) -> Any:
    """The page's context, or, when the item cannot be rendered, a page saying so (the item is
    reported by name; the build goes on)."""
    def run() -> dict[str, Any]:
        try:
            return context()
        except Exception as exc:  # noqa: BLE001 - one bad item must never stop the build
            warn(f"{item.unit}/{item.folder[:120]}", f"{type(exc).__name__}: {str(exc)[:160]}")
            notice = Markup('<p class="notice">{}</p>').format(say("site.build.run.1"))
            return {"item": entry(item, unit_names), "meta": {}, "official": notice, "body": notice,
                    "report": {}, "images": [], "unit_id": item.unit, "unit_name": unit_name,
                    "published_at": item.published_at}
    return run


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


_atomic_write = write_atomic  # the git layer's one atomic write: a new inode, a short temporary name


def asset_name(name: str) -> str:
    """The site path (relative to its item's page) of a file from the item's folder."""
    return site_relative(published_name(name))


def _write_assets(city: City, generation: Path, items: list[Item], state: SiteState,
                  changed: set[str]) -> dict[str, str]:
    """Attachments and images of every visible item; only new or changed blobs are written."""
    assets: dict[str, str] = {}
    thumbs = state.thumbs
    for item in items:
        for name, oid in item.files.items():
            try:  # an attachment x.html is published as x.html.txt; every path stays inside
                rel = f"{item.url}{asset_name(name)}"
                target = inside(generation, rel)
            except OutsideOutput as exc:
                warn(f"{item.unit}/{item.folder[:120]}/{name[:120]}", str(exc))
                continue
            assets[rel] = oid
            made = thumbs.get(item.url, {}).get(name) if item.kind == "bulletin" else None
            if state.assets.get(rel) == oid and target.exists() and \
                    (made is None or (generation / item.url / made).exists()):
                if made is not None:  # unchanged photo: its thumbnail stays an asset of this build
                    assets[f"{item.url}{made}"] = oid
                continue
            data = read_blob(city, item.unit, oid)
            try:
                _atomic_write(target, data)
            except OSError as exc:
                warn(f"{item.unit}/{item.folder[:120]}/{name[:120]}", say("site.build._write_assets.1", strerror=exc.strerror))
                assets.pop(rel, None)
                continue
            changed.add(rel)
            if item.kind == "bulletin" and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                try:
                    small = thumbnail(data)
                except Exception:  # noqa: BLE001 - a thumbnail is a convenience, never a failure
                    small = None
                if small is not None:
                    thumb = site_relative(f"thumbs/{Path(name).stem}.jpg")
                    _atomic_write(inside(generation, f"{item.url}{thumb}"), small)
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
