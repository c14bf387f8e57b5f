"""Benchmark: the witnessed Merkle log at N entries (default 10,000).

Measures, on a log of N push entries of realistic size:
- catch-up: hashing N lines into the stored tree, the object index, tiles and a signed checkpoint
  (what `oa log verify` or the next append does after a crash, and the cost of a migration);
- append: one `eventlog.append` at size N (fsync of the line, O(log n) stored hashes, the
  changed tiles, a signed checkpoint), median of many;
- proofs: inclusion and consistency proofs made from the stored hashes and from the published
  tiles (what a witness reads), each also checked;
- full verification: `audit` (every leaf, the tree, every tile, the checkpoint);
- trusted time: one object's entry by index lookup, and the dict of all of a unit's times.

Prints a table and writes `docs/bench-log.md`. Run: `.venv/bin/python bench/log.py [--sizes 10000]`.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repo_tools.log import (  # noqa: E402
    audit,
    eventlog,  # noqa: E402
    note,
    policy,
    store,
    tiles,
)
from repo_tools.log.tlog import check_record, check_tree, prove_record, prove_tree, record_hash  # noqa: E402


def _line(i: int) -> bytes:
    oid = f"{i:040x}"
    entry = {"seq": i + 1, "time": "2026-12-01T08:00:00.000000+08:00", "type": "push", "repo": f"unit{i % 100}",
             "repo_kind": "unit", "updates": [{"ref": "refs/heads/main", "old": "0" * 40, "new": oid}],
             "pusher": "zhang", "key": "F" * 40, "certificate_id": f"c{i:039x}", "objects": [oid, f"{i:039x}t"],
             "prev": "0" * 64, "hash": "0" * 64}
    return json.dumps(entry, sort_keys=True).encode()


def _timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(size: int, appends: int, proofs: int) -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix="oabl"))
    try:
        log = base / "log" / "events.jsonl"
        log.parent.mkdir(parents=True)
        verifier = store.create_log_key(base, "oa.bench/log")
        keys = policy.LogPolicy(verifier, {}, 2)
        with log.open("wb") as handle:
            for i in range(size):
                handle.write(_line(i) + b"\n")
        out: dict[str, float] = {}
        out["catch-up s"], out["catch-up cpu s"] = _timed(lambda: store.update(log))
        cp = note.Checkpoint.parse(note.Note.parse((log.parent / "checkpoint").read_text()).text)
        assert cp.size == size

        times = []
        for i in range(appends):
            start = time.perf_counter()
            eventlog.append(log, "push", repo="unit1", objects=[f"{size + i:040x}"])
            times.append(time.perf_counter() - start)
        out["append ms (median)"] = statistics.median(times) * 1000
        n = size + appends

        tree = store.ReadTree(log)
        rng = random.Random(1)
        cp = note.Checkpoint.parse(note.Note.parse((log.parent / "checkpoint").read_text()).text)

        def inclusion() -> None:
            for _ in range(proofs):
                i = rng.randrange(n)
                proof = prove_record(n, i, tree.hashes)
                assert check_record(proof, n, cp.root, i, record_hash(tree.entry(i)))
        wall, _ = _timed(inclusion)
        out["inclusion proof ms"] = wall / proofs * 1000

        def consistency() -> None:
            reader = tiles.TileReader(log.parent, n)
            for _ in range(proofs):
                m = rng.randrange(1, n)
                proof = prove_tree(n, m, reader)
                assert check_tree(proof, n, cp.root, m, tree_root(m))
        from repo_tools.log.tlog import tree_hash

        def tree_root(m: int) -> bytes:
            return tree_hash(m, tree.hashes)
        wall, _ = _timed(consistency)
        out["consistency proof from tiles ms"] = wall / proofs * 1000

        result: list[audit.Audit] = []
        out["full verification s"], out["full verification cpu s"] = _timed(
            lambda: result.append(audit.audit(log, keys, update=False)))
        assert result[0].problems == [], result[0].problems[:3]

        oids = [f"{rng.randrange(size):040x}" for _ in range(proofs)]

        def lookups() -> None:
            for oid in oids:
                assert eventlog.object_entry(log, oid) is not None
        wall, _ = _timed(lookups)
        out["trusted time per object ms"] = wall / proofs * 1000
        store._TIMES_CACHE.clear()
        out["trusted times of a unit ms"], _ = _timed(lambda: eventlog.trusted_times(log, "unit7"))
        out["trusted times of a unit ms"] *= 1000
        tree.close()
        out["stored bytes per entry"] = sum(p.stat().st_size for p in (log.parent / "store").rglob("*") if p.is_file()) / n
        out["tile bytes per entry"] = sum(p.stat().st_size for p in (log.parent / "tile").rglob("*") if p.is_file()) / n
        return out
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--appends", type=int, default=100)
    parser.add_argument("--proofs", type=int, default=300)
    args = parser.parse_args()
    rows = {int(s): run(int(s), args.appends, args.proofs) for s in args.sizes.split(",")}
    names = list(next(iter(rows.values())))
    lines = ["| measure | " + " | ".join(f"{s:,} entries" for s in rows) + " |",
             "|---|" + "---|" * len(rows)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{rows[s][name]:.3f}" for s in rows) + " |")
    table = "\n".join(lines)
    print(table)
    (ROOT / "docs" / "bench-log.table.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
