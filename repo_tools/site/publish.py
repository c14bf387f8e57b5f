"""Atomic publishing: the site's address is a symbolic link to one of a few *slots* (complete
site folders); a build writes a slot nobody is reading and one `rename` of the link publishes
it. Readers see the old site or the new one, never a mix; a failed build leaves the old site.

Slots rotate (SLOTS of them), so a reader still on the previous site is never written under.
An incremental build brings the oldest slot up to the live site by replaying the *journal* of
the generations it missed (the paths each build changed; unchanged files become hard links to
the live ones), then writes its own changes. The cost is what changed, not the size of the site.
The builder never writes a file in place: it removes or renames over it, so a file shared
by hard links with the live site keeps its old bytes there.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any

from repo_tools.git.atomic import write_atomic

SLOTS = 3
UNITS = "units"  # in the store: one file per unit's collected content, shared by the slots' states


def _read_unit(path: Path) -> Any:
    with path.open("rb") as handle:
        content = pickle.load(handle)
    content.stored_as = path.name  # the next publish keeps this file while the unit has not moved
    return content


def _save_units(folder: Path, units: dict[str, Any]) -> dict[str, str]:
    """unit -> the file holding its content. The state of a city of 50,000 documents is mostly its
    units' items (26 MB, 0.3 s to pickle): a unit read again from the last state (its `main` has
    not moved, `collect.collect_unit`) keeps the file it came from; only the units that moved are
    written, under a name made from their bytes."""
    names: dict[str, str] = {}
    for unit, content in units.items():
        name = getattr(content, "stored_as", None)
        if name is None or not (folder / name).is_file():
            data = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
            name = f"{unit}-{hashlib.sha256(data).hexdigest()[:20]}.pickle"
            if not (folder / name).is_file():
                write_atomic(folder / name, data)
            content.stored_as = name
        names[unit] = name
    return names


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _link_tree(src: Path, dst: Path) -> None:
    """dst becomes a hard-link copy of src (file or folder)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        if subprocess.run(["cp", "-al", str(src), str(dst)], capture_output=True).returncode != 0:
            shutil.copytree(src, dst, copy_function=os.link, symlinks=True)
    else:
        os.link(src, dst)


class Publication:
    """The slots behind one published site folder `out`."""

    def __init__(self, out: Path) -> None:
        self.out = Path(os.path.abspath(out))
        self.store = self.out.parent / f".{self.out.name}.builds"
        self.replayed = 0

    def slot(self, n: int) -> Path:
        return self.store / f"slot-{n}"

    def live(self) -> Path | None:
        """The slot `out` points at, if it is one of ours."""
        if not self.out.is_symlink():
            return None
        target = Path(os.path.realpath(self.out))
        return target if target.is_dir() and target.parent == self.store.resolve() else None

    @staticmethod
    def _read_state(slot: Path) -> Any:
        path = slot.with_suffix(".state")
        try:
            with path.open("rb") as handle:
                state = pickle.load(handle)
            names = getattr(state, "unit_files", None)
            if names:
                state.units = {unit: _read_unit(slot.parent / UNITS / name) for unit, name in names.items()}
            return state
        except Exception:  # missing or unreadable (a unit's file too): that slot only costs a full copy
            return None

    @staticmethod
    def _read_mark(slot: Path) -> tuple[str, int]:
        """(epoch, generation) a slot holds, from its small mark file; ("", -1) when unknown."""
        try:
            epoch, generation = slot.with_suffix(".mark").read_text().split()
            return epoch, int(generation)
        except (OSError, ValueError):
            return "", -1

    def load_state(self) -> Any:
        live = self.live()
        return self._read_state(live) if live is not None else None

    def choose(self) -> Path:
        """The slot the next build writes: the oldest that nobody reads (MkDocs' `site_dir` is set
        to it in `on_config`, before `prepare` fills it in `on_files`)."""
        live = self.live()
        candidates = [self.slot(n) for n in range(SLOTS) if self.slot(n).resolve() != (live or Path("/-"))]
        # A slot of an older epoch (before the last full build) first: it must be copied whole
        # anyway, and so the copies come with the first rebuilds after a full build, not with a
        # later one whose generation happened to pass the stale slot's number.
        epoch = self._read_mark(live)[0] if live is not None else ""
        marks = {c: self._read_mark(c) for c in candidates}
        return min(candidates, key=lambda c: (marks[c][0] == epoch, marks[c][1]))

    def prepare(self, incremental: bool, live_state: Any, target: Path | None = None) -> Path:
        """A slot to build into (`target`, else `choose()`): the live site's content
        (incremental), or empty."""
        self.store.mkdir(parents=True, exist_ok=True)
        live = self.live()
        target = target if target is not None else self.choose()
        epoch, generation = self._read_mark(target)
        target.with_suffix(".state").unlink(missing_ok=True)  # a half-built slot is never trusted
        target.with_suffix(".mark").unlink(missing_ok=True)
        target.with_suffix(".units").unlink(missing_ok=True)
        if not incremental or live is None or live_state is None:
            _remove(target)
            target.mkdir()
            return target
        missed = range(generation + 1, live_state.generation + 1)
        journal = getattr(live_state, "journal", {})
        if (generation < 0 or epoch != live_state.epoch or not target.is_dir()
                or any(g not in journal for g in missed)):
            _remove(target)
            _link_tree(live, target)  # once: the slot was unknown or too far behind
            self.replayed = -1
            return target
        paths = sorted(set().union(*(journal[g] for g in missed))) if missed else []
        for rel in paths:
            dst, src = target / rel, live / rel
            _remove(dst)
            if src.exists():
                _link_tree(src, dst)
        self.replayed = len(paths)
        return target

    def publish(self, slot: Path, state: Any) -> None:
        """Save the slot's state (its units' content apart, `_save_units`), then switch `out` to
        it with one atomic rename."""
        units = getattr(state, "units", None)
        if units:
            state.unit_files = _save_units(self.store / UNITS, units)
            slot.with_suffix(".units").write_text("\n".join(sorted(state.unit_files.values())) + "\n")
            state.units = {}
        tmp_state = slot.with_suffix(".state.tmp")
        try:
            with tmp_state.open("wb") as handle:
                pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            if units:
                state.units = units
        os.replace(tmp_state, slot.with_suffix(".state"))
        slot.with_suffix(".mark").write_text(f"{state.epoch} {state.generation}\n")
        if self.out.exists() and not self.out.is_symlink():
            # A plain folder from elsewhere: moved aside once, then every later swap is atomic.
            aside = self.store / "replaced"
            _remove(aside)
            os.replace(self.out, aside)
        link = self.store / f".link-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(os.path.relpath(slot, self.out.parent), link)
        os.replace(link, self.out)
        self._drop_unused_units()

    def _drop_unused_units(self) -> None:
        """Unit files no slot's state names any more (each slot lists its own in `<slot>.units`)."""
        folder = self.store / UNITS
        if not folder.is_dir():
            return
        used: set[str] = set()
        for n in range(SLOTS):
            try:
                used.update(self.slot(n).with_suffix(".units").read_text().split())
            except OSError:
                continue
        for path in folder.glob("*.pickle"):
            if path.name not in used:
                path.unlink(missing_ok=True)

    def discard(self, slot: Path) -> None:
        """After a failed build: the slot keeps no state, so it is rebuilt from scratch later."""
        for suffix in (".state", ".state.tmp", ".mark", ".units"):
            slot.with_suffix(suffix).unlink(missing_ok=True)


class Preview(Publication):
    """`mkdocs serve`: MkDocs' own temporary folder is the site. Every build is full and nothing
    is kept (no slots, no state): the development server serves that folder as it is written."""

    def live(self) -> Path | None:
        return None

    def load_state(self) -> Any:
        return None

    def choose(self) -> Path:
        return self.out

    def prepare(self, incremental: bool, live_state: Any, target: Path | None = None) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        for entry in self.out.iterdir():  # `mkdocs serve --dirty` keeps MkDocs from cleaning it
            _remove(entry)
        return self.out

    def publish(self, slot: Path, state: Any) -> None:
        shutil.rmtree(self.store, ignore_errors=True)  # only the workers' empty docs folder

    def discard(self, slot: Path) -> None:
        shutil.rmtree(self.store, ignore_errors=True)
