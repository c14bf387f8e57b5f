"""The Merkle log: RFC 6962 known answers, every proof size, the signed-note known answer, and
the server's log (append, crash, tiles, checkpoint, audit) in real cities."""
from __future__ import annotations

import base64
import hashlib
import json
import random

import pytest

from repo_tools.log import note, tiles
from repo_tools.log.tlog import (
    EMPTY_ROOT,
    MemoryHashes,
    check_record,
    check_tree,
    node_hash,
    prove_record,
    prove_tree,
    record_hash,
    tree_hash,
)

# RFC 6962 reference inputs and tree heads (Certificate Transparency's test data, also used
# by Go's tlog and transparency-dev's merkle packages).
CT_LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f"]]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
CT_CONSISTENCY = [
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def _tree(entries: list[bytes]) -> MemoryHashes:
    hashes = MemoryHashes()
    for entry in entries:
        hashes.append(record_hash(entry))
    return hashes


def test_rfc6962_tree_heads() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    hashes = _tree(CT_LEAVES)
    for size in range(len(CT_LEAVES) + 1):
        assert tree_hash(size, hashes).hex() == CT_ROOTS[size]


def test_rfc6962_inclusion_and_consistency_proofs() -> None:
    hashes = _tree(CT_LEAVES)
    for index, size, want in CT_INCLUSION:
        proof = prove_record(size, index, hashes)
        assert [p.hex() for p in proof] == want
        assert check_record(proof, size, bytes.fromhex(CT_ROOTS[size]), index, record_hash(CT_LEAVES[index]))
        assert not check_record(proof, size, bytes.fromhex(CT_ROOTS[size]), index, record_hash(b"x"))
    for old, size, want in CT_CONSISTENCY:
        proof = prove_tree(size, old, hashes)
        assert [p.hex() for p in proof] == want
        assert check_tree(proof, size, bytes.fromhex(CT_ROOTS[size]), old, bytes.fromhex(CT_ROOTS[old]))
        assert not check_tree(proof, size, bytes.fromhex(CT_ROOTS[size]), old, bytes.fromhex(CT_ROOTS[old - 1]))


def _naive_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 6962's definition, to judge the stored-hash implementation."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_naive_root(leaves[:k]), _naive_root(leaves[k:]))


def _flip(proof: list[bytes], i: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ 1]) + out[i][1:]
    return out


ENTRIES = [f"entry {i}".encode() for i in range(300)]
HASHES = _tree(ENTRIES)
LEAVES = [record_hash(e) for e in ENTRIES]
ROOTS = [tree_hash(n, HASHES) for n in range(301)]


def test_roots_match_the_definition_for_every_size() -> None:
    for n in range(0, 301):
        assert ROOTS[n] == _naive_root(LEAVES[:n])


def test_every_inclusion_proof_up_to_64_and_sampled_to_300() -> None:
    rng = random.Random(6962)
    pairs = [(n, i) for n in range(1, 65) for i in range(n)]
    pairs += [(n, rng.randrange(n)) for n in range(65, 301) for _ in range(3)]
    for size, index in pairs:
        proof = prove_record(size, index, HASHES)
        assert check_record(proof, size, ROOTS[size], index, LEAVES[index]), (size, index)
        assert not check_record(proof, size, ROOTS[size], index, LEAVES[index - 1] if index else record_hash(b"")), (size, index)
        if proof:
            assert not check_record(_flip(proof, len(proof) - 1), size, ROOTS[size], index, LEAVES[index])
            assert not check_record(proof[:-1], size, ROOTS[size], index, LEAVES[index])
        assert not check_record(proof + [LEAVES[0]], size, ROOTS[size], index, LEAVES[index])
        if size > 1:
            other = (index + 1) % size
            assert not check_record(proof, size, ROOTS[size], other, LEAVES[index]) or \
                prove_record(size, other, HASHES) == proof


def test_every_consistency_proof_up_to_64_and_sampled_to_300() -> None:
    rng = random.Random(9162)
    pairs = [(n, m) for n in range(0, 65) for m in range(0, n + 1)]
    pairs += [(n, rng.randrange(n + 1)) for n in range(65, 301) for _ in range(3)]
    for size, old in pairs:
        proof = prove_tree(size, old, HASHES)
        assert check_tree(proof, size, ROOTS[size], old, ROOTS[old]), (size, old)
        if 0 < old < size:
            assert not check_tree(_flip(proof, 0), size, ROOTS[size], old, ROOTS[old])
            assert not check_tree(proof[:-1], size, ROOTS[size], old, ROOTS[old])
            assert not check_tree(proof, size, ROOTS[size], old, ROOTS[old - 1])
            assert not check_tree(proof, size, ROOTS[size - 1], old, ROOTS[old])
    assert not check_tree([], 8, ROOTS[8], 0, ROOTS[1])
    assert not check_tree([], 5, ROOTS[5], 6, ROOTS[6])


def test_tile_paths_and_widths() -> None:
    assert tiles.index_path(1234067) == "x001/x234/067"
    assert tiles.index_path(5) == "005"
    assert tiles.tile_path(0, 5, 7) == "tile/0/005.p/7"
    assert tiles.tile_path("entries", 1000) == "tile/entries/x001/000"
    assert tiles.tiles_for(300) == [(0, 0, 256), (0, 1, 44), (1, 0, 1)]
    assert tiles.tiles_for(300, 299) == [(0, 1, 44)]
    assert tiles.decode_entries(tiles.encode_entries([b"", b"a", b"xyz"]) or b"") == [b"", b"a", b"xyz"]
    assert tiles.encode_entries([b"x" * 70000]) is None


# The example of golang.org/x/mod/sumdb/note (its documentation and tests).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann "
           "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_signed_note_known_answer() -> None:
    signer = note.Signer.parse(GO_SKEY)
    assert signer.verifier.text() == GO_VKEY
    assert note.sign_note(GO_TEXT, signer).encode() == GO_NOTE
    parsed = note.Note.parse(GO_NOTE)
    assert parsed.signed_by(note.Verifier.parse(GO_VKEY))
    tampered = note.Note.parse(GO_NOTE.replace("problem is", "problem was"))
    assert not tampered.signed_by(note.Verifier.parse(GO_VKEY))
    with pytest.raises(note.NoteError):
        note.Verifier.parse(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(note.NoteError):
        note.Note.parse(GO_TEXT)


def test_cosignature_v1_round_trip_and_refusals() -> None:
    cp = note.Checkpoint("oa.test/log", 3, ROOTS[3])
    assert note.Checkpoint.parse(cp.text()) == cp
    with pytest.raises(note.NoteError):
        note.Checkpoint.parse("oa.test/log\n03\n" + base64.b64encode(ROOTS[3]).decode() + "\n")
    witness = note.Signer.generate("oa.test/witness/lagov", note.ALG_COSIGNATURE_V1)
    sig = note.cosign(cp.text(), witness, 1_700_000_000)
    signed = note.Note(cp.text(), (sig,))
    assert signed.cosignature_by(witness.verifier) == 1_700_000_000
    other = note.Checkpoint("oa.test/log", 4, ROOTS[4]).text()
    assert note.Note(other, (sig,)).cosignature_by(witness.verifier) is None
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert json.dumps(note.Verifier.parse(witness.verifier.text()).alg) == "4"


# The server's log in a real city ------------------------------------------------------------
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from fixtures import Workspace  # noqa: E402

from repo_tools.log import (  # noqa: E402
    audit,
    eventlog,  # noqa: E402
    policy,
)


def _published(ws: Workspace) -> tuple[note.Note, note.Checkpoint]:
    signed = note.Note.parse((ws.city.root / "log" / "checkpoint").read_text(encoding="utf-8"))
    return signed, note.Checkpoint.parse(signed.text)


def test_every_append_is_a_leaf_in_signed_checkpoint_tiles_and_index(ws: Workspace) -> None:
    log = ws.city.log_file
    lines = log.read_bytes().split(b"\n")[:-1]
    signed, cp = _published(ws)
    keys = policy.load(ws.city.registry_repo)
    assert keys.log_key is not None and signed.signed_by(keys.log_key) and cp.size == len(lines)
    assert cp.origin.startswith("oa.") and cp.origin.endswith("/log")
    # the leaf is the line's exact bytes without its newline; the published tiles give the root
    assert tree_hash(cp.size, tiles.TileReader(log.parent, cp.size)) == cp.root == \
        _naive_root([record_hash(line) for line in lines])
    assert tiles.decode_entries((log.parent / tiles.tile_path("entries", 0, len(lines))).read_bytes()) == lines
    # trusted times come from the index, and agree with a scan of the whole log
    scanned: dict[str, str] = {}
    for entry in eventlog.read(log):
        if entry.get("type") == "push" and entry.get("repo") == "lagov":
            for oid in entry.get("objects", []):
                scanned.setdefault(oid, entry["time"])
    indexed = eventlog.trusted_times(log, "lagov")
    assert scanned and all(indexed[oid] == t for oid, t in scanned.items())
    oid = next(iter(scanned))
    found = eventlog.object_entry(log, oid, "lagov")
    assert found is not None and oid in json.loads(lines[found.leaf])["objects"]
    assert eventlog.object_entry(log, "0" * 40) is None
    assert audit.audit(log, keys).problems == []


def test_a_crash_between_append_and_checkpoint_loses_nothing(ws: Workspace) -> None:
    log = ws.city.log_file
    _, before = _published(ws)
    oid = "ab" * 20
    crash = ("import os, sys\nfrom pathlib import Path\nfrom repo_tools.log import store\n"
             "store._update_locked = lambda paths: os._exit(9)\n"
             "from repo_tools.log import eventlog\n"
             "eventlog.append(Path(sys.argv[1]), 'push', repo='lagov', objects=[sys.argv[2]])\n")
    proc = subprocess.run([sys.executable, "-c", crash, str(log), oid])
    assert proc.returncode == 9
    assert json.loads(log.read_bytes().split(b"\n")[-2])["objects"] == [oid]  # the line is on disk
    assert _published(ws)[1] == before                                        # the checkpoint is not
    found = eventlog.object_entry(log, oid, "lagov")
    assert found is not None and found.leaf == before.size  # readers see it before the index catches up
    with (log.parent / "store" / "hashes" / "00").open("ab") as handle:
        handle.write(b"half a hash")  # and a derived write cut short
    ws.city.log("note", text="下一条")
    _, after = _published(ws)
    assert after.size == before.size + 2
    assert audit.audit(log, policy.load(ws.city.registry_repo)).problems == []
    # a line without its newline was never acknowledged: the next append drops it
    with log.open("ab") as handle:
        handle.write(b'{"seq": 99')
    ws.city.log("note", text="再下一条")
    assert eventlog.verify(log) == []
    assert _published(ws)[1].size == before.size + 3
    ws.witness()  # both witnesses accept: consistent with what they had (from the template city)


def test_log_refuses_to_sign_a_checkpoint_that_drops_what_it_signed(ws: Workspace) -> None:
    log = ws.city.log_file
    _, before = _published(ws)
    lines = log.read_bytes().split(b"\n")[:-1]
    log.write_bytes(b"\n".join(lines[:-1]) + b"\n")  # the last entry deleted by hand
    ws.city.log("note", text="之后")
    _, after = _published(ws)
    assert after == before  # no new checkpoint inconsistent with the signed one
    problems = audit.audit(log, policy.load(ws.city.registry_repo)).problems
    assert any(p.kind == "rewrite" for p in problems), problems
    out = subprocess.run([str(Path(sys.executable).parent / "oa"), "--city", str(ws.city.root), "log", "verify"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "不一致" in out.stderr
