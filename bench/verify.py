"""Benchmark of `oa verify --unit` on a unit with many sealed documents (ARCHITECTURE.md
"Performance targets": 10,000 sealed documents <= 1 s warm).

    python bench/verify.py [--docs 10000] [--runs 3] [--json] [--fresh]

The city is generated FOR BENCHMARKING ONLY and kept under `bench/out/verify-<docs>/` (reused
by later runs; `--fresh` rebuilds it). Its people, keys, seal, witnesses and registry are made
through the real commands; its documents are **sealed for real but written directly**, not
pushed through the hooks (that would measure the hooks): for each document an author commit, the
request tag, a 核稿 approval tag, a 签发 tag and the sealing merge signed with the unit's seal
key, every one an ordinary OpenPGP signature by the registered key (made in this process by
`bench/fastsign.py`, the sealed site city's signer, because gpg signs one object per process);
trees by `git fast-import`; one log entry per document (a push of all five objects with a push
certificate signed by the seal custodian) written as the log writes them, then the log's tree
and checkpoint brought up to date and cosigned by both witnesses (`oa witness run`).

It then times the whole `oa verify --unit lagov` process: cold (empty verification cache: every
signature goes to gpg) and warm (the same command again).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fastsign import FastKey, secret_keys  # noqa: E402

from repo_tools import city as city_mod  # noqa: E402
from repo_tools import timeutil  # noqa: E402
from repo_tools.city import City  # noqa: E402
from repo_tools.git.repo import ObjectReader, clean_env, git, rev_parse  # noqa: E402
from repo_tools.log import eventlog  # noqa: E402

UNIT, CODE, UNIT_NAME = "lagov", "六政办", "六安市人民政府办公室"
PEOPLE = [("zhang", "张明", ["author"]), ("li", "李华", ["reviewer"]), ("lu", "陆远", []),
          ("ma", "马骏", ["seal-custodian"]), ("zhou", "周杰", ["admin"])]
WITNESSES = [("egov", "admin"), (UNIT, "zhou")]
PER_YEAR = 400  # documents per year folder (a year's tree is rewritten by every seal)
OA = str(Path(sys.executable).parent / "oa")


def document(i: int, year: int, number: str | None) -> bytes:
    lines = ["---", "type: 通知", f"title: 关于第{i}项工作安排的通知", "recipients:", "  - 各县区人民政府",
             f"date: {year}-03-01"]
    if number:
        lines.append(f"number: {number}")
    lines += ["---", "", f"现将第{i}项工作安排通知如下，请认真贯彻执行。", ""]
    return "\n".join(lines).encode()


def loose(repo: Path, kind: str, body: bytes) -> str:
    """Write one loose object (repacked afterwards); return its id."""
    raw = f"{kind} {len(body)}\0".encode() + body
    oid = hashlib.sha1(raw).hexdigest()
    path = repo / "objects" / oid[:2] / oid[2:]
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(zlib.compress(raw, 1))
    return oid


def signed_commit(repo: Path, signer: FastKey, tree: str, parents: list[str], who: str, when: int,
                  message: str) -> str:
    head = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents) + \
        f"author {who} {when} +0800\ncommitter {who} {when} +0800\n"
    payload = (head + "\n" + message).encode()
    sig = signer.armored(payload, when).decode().rstrip("\n").split("\n")
    gpgsig = "gpgsig " + "\n ".join(sig) + "\n"
    return loose(repo, "commit", (head + gpgsig + "\n" + message).encode())


def signed_tag(repo: Path, signer: FastKey, target: str, name: str, who: str, when: int, message: str) -> str:
    payload = f"object {target}\ntype commit\ntag {name}\ntagger {who} {when} +0800\n\n{message}".encode()
    return loose(repo, "tag", payload + signer.armored(payload, when))


def setup_city(root: Path) -> City:
    city = city_mod.init(root)
    city_mod.add_unit(city, "admin", UNIT, UNIT_NAME, [CODE], "city")
    for user, name, roles in PEOPLE:
        city_mod.add_user(city, "admin", user, name, UNIT, roles)
    from repo_tools.log import enrol
    from repo_tools.workflow.settings import set_workflow
    set_workflow(city, "admin", UNIT, signers=["lu"])
    for unit, holder in WITNESSES:
        enrol.add_witness(city, "admin", unit, holder)
    return city


def trees(repo: Path, docs: int, main: str) -> list[tuple[str, str]]:
    """(draft tree, sealed tree) per document, each on top of the previous document's seal,
    made by one `git fast-import` (unsigned helper commits, dropped by the repack)."""
    stream: list[bytes] = []
    for i in range(1, docs + 1):
        year = 2000 + (i - 1) // PER_YEAR
        path = f"documents/{year}/d{i:05d}/index.md"
        base = f"from {main}\n" if i == 1 else f"from :{2 * i - 2}\n"
        for mark, number in ((2 * i - 1, None), (2 * i, f"{CODE}〔{year}〕{(i - 1) % PER_YEAR + 1}号")):
            data = document(i, year, number)
            stream.append(f"commit refs/bench/t{mark % 2}\nmark :{mark}\ncommitter b <b@b> 0 +0000\ndata 0\n{base}"
                          f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    marks = repo / "bench-marks"
    subprocess.run(["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=repo, env=clean_env(),
                   input=b"".join(stream), check=True)
    ids = dict(line.split(" ") for line in marks.read_text().split("\n") if line)
    marks.unlink()
    out = []
    with ObjectReader(repo, env=clean_env()) as reader:
        def tree_of(mark: int) -> str:
            got = reader.read(ids[f":{mark}"])
            assert got is not None
            return got[2].split(b"\n", 1)[0].split(b" ")[1].decode()
        for i in range(1, docs + 1):
            out.append((tree_of(2 * i - 1), tree_of(2 * i)))
    for name in ("t0", "t1"):
        git("update-ref", "-d", f"refs/bench/{name}", cwd=repo, env=clean_env())
    return out


def build(root: Path, docs: int) -> City:
    t0 = time.time()
    city = setup_city(root)
    reg = city.registry()
    repo = city.unit_repo(UNIT)
    signers = {u: secret_keys(city.person_gnupg(u))[city.signer(u, reg).fingerprint.upper()] for u, _, _ in PEOPLE[:4]}
    seal = reg.active_seal(UNIT)
    assert seal is not None
    sealer = secret_keys(city.seal_gnupg(seal.id))[seal.key.fingerprint.upper()]
    who = {u: f"{reg.people[u].name} <{reg.people[u].email}>" for u, _, _ in PEOPLE}
    seal_who = f"{UNIT_NAME}电子印章 <seal-{UNIT}@oa.local>"
    main = rev_parse(repo, "refs/heads/main", env=clean_env())
    assert main is not None
    print(f"城市已建立（{time.time() - t0:.1f} s），生成 {docs} 份盖章公文……", file=sys.stderr)
    pairs = trees(repo, docs, main)
    start = timeutil.now() + timedelta(seconds=1)
    epoch = int(start.timestamp())
    log_lines: list[dict] = []
    refs: list[str] = []
    for i, (draft_tree, sealed_tree) in enumerate(pairs, start=1):
        year = 2000 + (i - 1) // PER_YEAR
        number = f"{CODE}〔{year}〕{(i - 1) % PER_YEAR + 1}号"
        index = f"documents/{year}/d{i:05d}/index.md"
        when = epoch + i
        head = signed_commit(repo, signers["zhang"], draft_tree, [main], who["zhang"], when, f"第{i}项工作安排\n")
        request = signed_tag(repo, signers["zhang"], head, f"mr/{i}", who["zhang"], when,
                             f"第{i}项工作安排\n\nBranch: draft/d{i}\n")
        approval = signed_tag(repo, signers["li"], head, f"reviews/{i}/li", who["li"], when, "approve\n\n同意。\n")
        sign_off = signed_tag(repo, signers["lu"], head, f"reviews/{i}/lu", who["lu"], when,
                              f"sign-off\n\n同意印发。\n\nDate: {year}-03-01\n")
        message = (f"合并请求 !{i}：第{i}项工作安排（盖章签发：{number}）\n\nMerge-Request: {i}\n"
                   f"Approval: refs/reviews/{i}/li {approval}\nSign-Off: refs/reviews/{i}/lu {sign_off}\n"
                   f"Sealed-Document: {index} {number}\nSeal: {seal.id}\n")
        merge = signed_commit(repo, sealer, sealed_tree, [main, head], seal_who, when, message)
        updates = [("0" * 40, head, f"refs/heads/mr/{i}"), ("0" * 40, request, f"refs/tags/mr/{i}"),
                   ("0" * 40, approval, f"refs/reviews/{i}/li"), ("0" * 40, sign_off, f"refs/reviews/{i}/lu"),
                   (main, merge, "refs/heads/main")]
        refs += [f"create {ref} {new}" for _, new, ref in updates[:4]]
        cert_head = (f"certificate version 0.1\npusher {signers['ma'].fingerprint} {when} +0800\n"
                     f"pushee {repo}\nnonce {when}-{'0' * 40}\n\n")
        cert_payload = (cert_head + "".join(f"{o} {n} {r}\n" for o, n, r in updates)).encode()
        cert = cert_payload + signers["ma"].armored(cert_payload, when)
        moment = start + timedelta(milliseconds=i)
        log_lines.append({"certificate": cert.decode(), "certificate_id": loose(repo, "blob", cert),
                          "key": signers["ma"].fingerprint, "objects": [head, request, approval, sign_off, merge],
                          "pusher": "ma", "repo": UNIT, "repo_kind": "unit", "time": timeutil.iso(moment), "type": "push",
                          "updates": [{"new": n, "old": o, "ref": r} for o, n, r in updates]})
        main = merge
    refs.append(f"update refs/heads/main {main}")
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, env=clean_env(), check=True,
                   input=("\n".join(refs) + "\n").encode())
    git("pack-refs", "--all", cwd=repo, env=clean_env())
    git("repack", "-adq", cwd=repo, env=clean_env())
    append_lines(city.log_file, log_lines)
    eventlog.append(city.log_file, "bench-generated", unit=UNIT, docs=docs)  # tree, tiles and checkpoint
    for unit, holder in WITNESSES:
        subprocess.run([OA, "--city", str(city.root), "--as", holder, "witness", "run", "--unit", unit],
                       check=True, capture_output=True)
    city.stop_agents()
    print(f"生成完成（{time.time() - t0:.1f} s）", file=sys.stderr)
    return city


def append_lines(log_file: Path, entries: list[dict]) -> None:
    """Entries written as `eventlog.append` writes them (seq, prev, hash), in one go; the next
    append brings the Merkle tree and checkpoint up to date (as after a migration)."""
    last = json.loads(log_file.read_text(encoding="utf-8").splitlines()[-1])
    seq, prev = last["seq"], last["hash"]
    out = []
    for fields in entries:
        seq += 1
        entry = {"seq": seq, **fields, "prev": prev}
        entry["hash"] = eventlog._digest(entry)
        prev = entry["hash"]
        out.append(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    with log_file.open("a", encoding="utf-8") as handle:
        handle.write("".join(out))


def timed_verify(city: City) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds of the process and its children, exit status, last line): on a
    shared machine the CPU time says what the command costs, the wall time what a user waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([OA, "--city", str(city.root), "verify", "--unit", UNIT], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stdout.strip().splitlines()[-1] if proc.stdout else proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3, help="warm runs (the median is reported)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached city")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # Short: gpg-agent sockets must fit in 107 bytes (bench/out/ is linked to it).
    store = Path(os.environ.get("OA_BENCH_DIR", f"/tmp/oa-bench-verify-{args.docs}"))
    link = ROOT / "bench" / "out" / f"verify-{args.docs}"
    if args.fresh and store.exists():
        shutil.rmtree(store)
    if not (store / "ready").exists():
        if store.exists():
            shutil.rmtree(store)
        build(store / "c", args.docs)
        (store / "ready").write_text("ok\n")
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(store)
    city = City(store / "c")
    cache = city.root / "server" / "verify-cache"
    shutil.rmtree(cache, ignore_errors=True)
    cold, cold_cpu, code, last = timed_verify(city)
    warm = [timed_verify(city) for _ in range(args.runs)]
    # After a change elsewhere in the city (a log entry): the stored report no longer applies, the
    # per-object stores answer (no gpg), so this is the cost of re-judging from the stores.
    eventlog.append(city.log_file, "bench-touch", unit=UNIT)
    rejudged, rejudged_cpu, _, _ = timed_verify(city)
    city.stop_agents()
    result = {"docs": args.docs, "unit": UNIT, "cold_s": round(cold, 3), "cold_cpu_s": round(cold_cpu, 3),
              "warm_s": round(statistics.median(w[0] for w in warm), 3),
              "warm_cpu_s": round(statistics.median(w[1] for w in warm), 3),
              "warm_runs_s": [round(w[0], 3) for w in warm], "rejudged_s": round(rejudged, 3),
              "rejudged_cpu_s": round(rejudged_cpu, 3), "exit": code, "verdict": last, "target_warm_s": 1.0,
              "load_average": round(os.getloadavg()[0], 2)}
    if not args.json:
        print(f"oa verify --unit {UNIT}（{args.docs} 份盖章公文）：首次 {cold:.2f} s（CPU {cold_cpu:.2f} s），"
              f"缓存后 {result['warm_s']:.2f} s（CPU {result['warm_cpu_s']:.2f} s，目标 ≤ 1 s），"
              f"日志变动后 {rejudged:.2f} s（CPU {rejudged_cpu:.2f} s）；{last}；负载 {result['load_average']}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
