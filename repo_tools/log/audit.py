"""`oa log verify`: every leaf, the stored tree, the published tiles, the checkpoint and its
cosignatures, and consistency with every cosigned checkpoint the log has kept or the caller
gives (a witness's own copy is the one an operator cannot rewrite). Problems name the entry and
the checkpoint, in Chinese."""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from repo_tools.log import note, store, tiles
from repo_tools.log.policy import LogPolicy
from repo_tools.log.tlog import HASH_SIZE, MemoryHashes, record_hash, tree_hash
from repo_tools.messages import log_text as say


@dataclass(frozen=True)
class Problem:
    kind: str          # tree, tile, checkpoint, cosignature, truncation, rewrite, fork
    entry: int | None  # leaf index (0-based, as in proofs); the line is entry + 1
    message: str
    checkpoint: str | None = None


def _describe(cp: note.Checkpoint) -> str:
    return say("checkpoint", size=cp.size, root=base64.b64encode(cp.root).decode())


@dataclass
class Audit:
    leaves: int
    problems: list[Problem]
    checkpoints: int           # cosigned checkpoints checked
    witnessed_size: int        # the largest checkpoint with the witness quorum that holds


def _first_tile_difference(log_root: Path, computed: MemoryHashes, lo: int, hi: int) -> int | None:
    """The first entry in [lo, hi) whose hash in any published level-0 tile (full or partial,
    all immutable once written) differs from the log's now: the exact entry rewritten."""
    first: int | None = None
    for n in range(lo // tiles.WIDTH, (hi - 1) // tiles.WIDTH + 1 if hi > lo else 0):
        full = log_root / tiles.tile_path(0, n)
        partials = full.with_name(full.name + ".p")
        for path in [full, *(sorted(partials.iterdir()) if partials.is_dir() else [])]:
            if not path.is_file():
                continue
            data = path.read_bytes()
            for i in range(len(data) // HASH_SIZE):
                index = n * tiles.WIDTH + i
                if lo <= index < hi and (index >= computed.size or
                                         data[i * HASH_SIZE:(i + 1) * HASH_SIZE] != computed.hash(0, index)):
                    first = index if first is None else min(first, index)
                    break
        if first is not None:
            return first
    return first


def audit(log_file: Path, policy: LogPolicy | None, given: list[tuple[str, str]] = (),  # type: ignore[assignment]
          update: bool = True) -> Audit:
    """Check the whole log. `given`: (name, signed note text) of checkpoints from elsewhere."""
    if update:
        try:
            store.update(log_file)
        except OSError:
            pass  # a reader without write access checks what is published
    paths = store.LogPaths(log_file)
    computed, problems = _check_leaves(log_file, paths.root)
    problems += _check_tiles(paths.root, computed)
    candidates, missing = _checkpoint_candidates(paths, computed.size)
    problems += missing
    verdict = _check_checkpoints([*candidates, *given], policy, computed)
    problems += verdict.problems
    if verdict.bad:
        problems.append(_locate_rewrite(paths.root, computed, verdict.ok_sizes, verdict.bad))
    return Audit(computed.size, problems, verdict.checked, verdict.witnessed)


def _check_leaves(log_file: Path, root: Path) -> tuple[MemoryHashes, list[Problem]]:
    """Every complete line's leaf hash against the stored tree, and each full or partial bundle
    of entries against its published tile; the hashes computed from the lines."""
    computed = MemoryHashes()
    problems: list[Problem] = []
    tree = store.ReadTree(log_file)
    stored_ok = True
    bundle: list[bytes] = []

    def check_bundle(index: int, entries: list[bytes]) -> None:
        data = tiles.encode_entries(entries)
        path = root / tiles.tile_path("entries", index, len(entries))
        if data is not None and path.exists() and path.read_bytes() != data:
            problems.append(Problem("tile", index * tiles.WIDTH,
                                    say("bundle-mismatch", path=tiles.tile_path("entries", index, len(entries)))))

    try:
        with (log_file.open("rb") if log_file.exists() else open("/dev/null", "rb")) as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # a line still being written (or never acknowledged)
                line = raw[:-1]
                i = computed.size
                computed.append(record_hash(line))
                if stored_ok and i < tree.size:
                    try:
                        if tree.hashes.hash(0, i) != computed.hash(0, i):
                            problems.append(Problem("rewrite", i, say("leaf-changed", entry=i, line=i + 1)))
                            stored_ok = False
                    except (IndexError, OSError):
                        problems.append(Problem("tree", i, say("leaf-missing", entry=i)))
                        stored_ok = False
                bundle.append(line)
                if len(bundle) == tiles.WIDTH:
                    check_bundle(i // tiles.WIDTH, bundle)
                    bundle = []
        if bundle:
            check_bundle(computed.size // tiles.WIDTH, bundle)
        n = computed.size
        if tree.size != n:
            problems.append(Problem("tree", min(tree.size, n), say("tree-size", stored=tree.size, size=n)))
    finally:
        tree.close()
    return computed, problems


def _check_tiles(root: Path, computed: MemoryHashes) -> list[Problem]:
    """Each published hash tile against the hashes of the leaves."""
    problems: list[Problem] = []
    for level, index, width in tiles.tiles_for(computed.size):
        rel = tiles.tile_path(level, index, width)
        path = root / rel
        base = tiles.HEIGHT * level
        want = b"".join(computed.hash(base, index * tiles.WIDTH + i) for i in range(width))
        if not path.exists():
            problems.append(Problem("tile", (index * tiles.WIDTH) << base, say("tile-missing", path=rel)))
        elif path.read_bytes() != want:
            got = path.read_bytes()
            first = next((i for i in range(width)
                          if got[i * HASH_SIZE:(i + 1) * HASH_SIZE] != want[i * HASH_SIZE:(i + 1) * HASH_SIZE]), 0)
            entry = (index * tiles.WIDTH + first) << base
            problems.append(Problem("tile", entry, say("tile-mismatch", path=rel, entry=entry)))
    return problems


def _checkpoint_candidates(paths: store.LogPaths, size: int) -> tuple[list[tuple[str, str]], list[Problem]]:
    """(name, text) of the current checkpoint and of every kept one, oldest kept first; a
    missing current checkpoint of a log with entries is a problem."""
    candidates: list[tuple[str, str]] = []
    problems: list[Problem] = []
    if paths.checkpoint.exists():
        candidates.append((say("current-checkpoint"), paths.checkpoint.read_text(encoding="utf-8")))
    elif size:
        problems.append(Problem("checkpoint", None, say("checkpoint-missing")))
    if paths.history.is_dir():
        for p in sorted(paths.history.iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else -1):
            if p.name.isdigit():
                candidates.append((say("kept-checkpoint", size=p.name), p.read_text(encoding="utf-8")))
    return candidates, problems


@dataclass
class _Checkpoints:
    """What the checkpoints say of the log: their problems, the sizes that hold and those that
    do not (a rewrite or truncation to locate), and the largest witnessed size that holds."""
    problems: list[Problem] = field(default_factory=list)
    ok_sizes: list[int] = field(default_factory=lambda: [0])
    bad: list[int] = field(default_factory=list)
    checked: int = 0
    witnessed: int = 0


def _check_checkpoints(candidates: list[tuple[str, str]], policy: LogPolicy | None,
                       computed: MemoryHashes) -> _Checkpoints:
    """Each checkpoint: well formed, signed by the log key, its cosignatures valid, no fork
    between two of one size, and its root that of the leaves at its size."""
    out = _Checkpoints()
    n = computed.size
    seen_roots: dict[int, tuple[bytes, str]] = {}
    for name, text in candidates:
        try:
            signed = note.Note.parse(text)
            cp = note.Checkpoint.parse(signed.text)
        except note.NoteError as exc:
            out.problems.append(Problem("checkpoint", None, say("checkpoint-malformed", name=name, detail=exc), name))
            continue
        out.checked += 1
        if policy is not None and policy.log_key is not None:
            if cp.origin != policy.log_key.name or not signed.signed_by(policy.log_key):
                out.problems.append(Problem("checkpoint", None,
                                            say("checkpoint-unsigned", name=name, checkpoint=_describe(cp)), name))
                continue
            for s in signed.signatures:
                unit = next((u for u, k in policy.witnesses.items() if k.name == s.name and k.key_id == s.key_id), None)
                if unit is not None and note.check_cosignature(policy.witnesses[unit], signed.text, s) is None:
                    out.problems.append(Problem("cosignature", None, say("cosignature-bad", name=name, unit=unit), name))
        if cp.size in seen_roots and seen_roots[cp.size][0] != cp.root:
            out.problems.append(Problem("fork", None, say("fork", name=name, checkpoint=_describe(cp),
                                                          other=seen_roots[cp.size][1]), name))
        seen_roots.setdefault(cp.size, (cp.root, name))
        if cp.size > n:
            out.problems.append(Problem("truncation", n, say("truncated", name=name, size=cp.size,
                                                             checkpoint=_describe(cp), have=n), name))
            out.bad.append(cp.size)
            continue
        if tree_hash(cp.size, computed) != cp.root:
            out.bad.append(cp.size)
            out.problems.append(Problem("rewrite", None, say("inconsistent", name=name, checkpoint=_describe(cp),
                                                             size=cp.size), name))
            continue
        out.ok_sizes.append(cp.size)
        if policy is not None and policy.witnessed(signed):
            out.witnessed = max(out.witnessed, cp.size)
    return out


def _locate_rewrite(root: Path, computed: MemoryHashes, ok_sizes: list[int], bad: list[int]) -> Problem:
    """Between the largest size that holds below the first that does not and that one: the
    first entry whose published tile hash differs, else the range."""
    n = computed.size
    lo = max([s for s in ok_sizes if s < min(bad)] or [0])
    hi = min(bad)
    changed = _first_tile_difference(root, computed, lo, min(hi, n))
    where = say("located-entry", entry=changed, line=changed + 1) if changed is not None else \
        say("located-range", lo=lo, hi=min(hi, n) - 1)
    return Problem("rewrite" if hi <= n else "truncation", changed if changed is not None else lo,
                   say("located", where=where, lo=lo, hi=hi))
