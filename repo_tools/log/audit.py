"""`oa log verify`: every leaf, the stored tree, the published tiles, the checkpoint and its
cosignatures, and consistency with every cosigned checkpoint the log has kept or the caller
gives (a witness's own copy is the one an operator cannot rewrite). Problems name the entry and
the checkpoint, in Chinese."""
from __future__ import annotations

import base64
from dataclasses import dataclass
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
    root = paths.root
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

    # Published tiles against the leaves.
    for level, index, width in tiles.tiles_for(n):
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

    # Checkpoints: the current one, the kept history, and any given.
    candidates: list[tuple[str, str]] = []
    if paths.checkpoint.exists():
        candidates.append((say("current-checkpoint"), paths.checkpoint.read_text(encoding="utf-8")))
    elif n:
        problems.append(Problem("checkpoint", None, say("checkpoint-missing")))
    if paths.history.is_dir():
        for p in sorted(paths.history.iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else -1):
            if p.name.isdigit():
                candidates.append((say("kept-checkpoint", size=p.name), p.read_text(encoding="utf-8")))
    candidates += list(given)
    checked, witnessed, ok_sizes, bad = 0, 0, [0], []
    seen_roots: dict[int, tuple[bytes, str]] = {}
    for name, text in candidates:
        try:
            signed = note.Note.parse(text)
            cp = note.Checkpoint.parse(signed.text)
        except note.NoteError as exc:
            problems.append(Problem("checkpoint", None, say("checkpoint-malformed", name=name, detail=exc), name))
            continue
        checked += 1
        if policy is not None and policy.log_key is not None:
            if cp.origin != policy.log_key.name or not signed.signed_by(policy.log_key):
                problems.append(Problem("checkpoint", None,
                                        say("checkpoint-unsigned", name=name, checkpoint=_describe(cp)), name))
                continue
            for s in signed.signatures:
                unit = next((u for u, k in policy.witnesses.items() if k.name == s.name and k.key_id == s.key_id), None)
                if unit is not None and note.check_cosignature(policy.witnesses[unit], signed.text, s) is None:
                    problems.append(Problem("cosignature", None, say("cosignature-bad", name=name, unit=unit), name))
        if cp.size in seen_roots and seen_roots[cp.size][0] != cp.root:
            problems.append(Problem("fork", None, say("fork", name=name, checkpoint=_describe(cp),
                                                      other=seen_roots[cp.size][1]), name))
        seen_roots.setdefault(cp.size, (cp.root, name))
        if cp.size > n:
            problems.append(Problem("truncation", n, say("truncated", name=name, size=cp.size,
                                                         checkpoint=_describe(cp), have=n), name))
            bad.append(cp.size)
            continue
        if tree_hash(cp.size, computed) != cp.root:
            bad.append(cp.size)
            problems.append(Problem("rewrite", None, say("inconsistent", name=name, checkpoint=_describe(cp),
                                                         size=cp.size), name))
            continue
        ok_sizes.append(cp.size)
        if policy is not None and policy.witnessed(signed):
            witnessed = max(witnessed, cp.size)
    if bad:
        lo = max([s for s in ok_sizes if s < min(bad)] or [0])
        hi = min(bad)
        changed = _first_tile_difference(root, computed, lo, min(hi, n))
        where = say("located-entry", entry=changed, line=changed + 1) if changed is not None else \
            say("located-range", lo=lo, hi=min(hi, n) - 1)
        problems.append(Problem("rewrite" if hi <= n else "truncation", changed if changed is not None else lo,
                                say("located", where=where, lo=lo, hi=hi)))
    return Audit(n, problems, checked, witnessed)
