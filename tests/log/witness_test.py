"""Witnesses, the quorum behind trusted time, offline proofs, and the operator's attacks: each
caught by the witnesses (separate `oa witness run` processes with their own state) and by
`oa log verify` against a cosigned checkpoint."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures import Workspace
from keys_support import seal_document, sealed_document

from repo_tools.log import eventlog, note, policy, store, witness
from repo_tools.messages import Refused
from repo_tools.verify.report import document_report

OA = str(Path(sys.executable).parent / "oa")


def oa(ws: Workspace, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    base = [OA, "--city", str(ws.city.root)] + (["--as", user] if user else [])
    return subprocess.run([*base, *args], capture_output=True, text=True)


def checkpoint(ws: Workspace) -> note.Checkpoint:
    return note.Checkpoint.parse(note.Note.parse((ws.city.root / "log" / "checkpoint").read_text()).text)


def witness_checkpoint(ws: Workspace, unit: str = "lagov", holder: str = "zhou") -> Path:
    return witness.checkpoint_file(witness.default_state_dir(ws.city.root, holder), unit)


def rewrite_history(ws: Workspace, change, keep_tiles: bool = False) -> None:  # type: ignore[no-untyped-def]
    """The operator edits events.jsonl, recomputes the hash chain and everything derived (tree,
    tiles, checkpoint, the kept cosigned checkpoints) and signs the result with the log key.
    With `keep_tiles` the tiles already published (immutable, perhaps mirrored) stay."""
    log = ws.city.log_file
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    entries = change(entries)
    prev = eventlog.GENESIS
    lines = []
    for seq, entry in enumerate(entries, start=1):
        entry["seq"], entry["prev"] = seq, prev
        entry.pop("hash", None)
        entry["hash"] = prev = eventlog._digest(entry)
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    log.write_text("".join(lines), encoding="utf-8")
    root = ws.city.root / "log"
    for derived in ("store", "checkpoints") if keep_tiles else ("store", "tile", "checkpoints"):
        shutil.rmtree(root / derived, ignore_errors=True)
    (root / "checkpoint").unlink()
    store.update(log)
    assert eventlog.verify_chain(log) == []  # the old hash chain alone sees nothing wrong


def test_trusted_time_counts_only_with_the_witness_quorum(ws: Workspace) -> None:
    sealed = sealed_document(ws)
    pending = document_report(ws.city, "lagov", sealed.path)
    assert not pending["ok"] and not pending["seal_valid"] and pending["pending"]
    assert pending["witness"]["status"] == "pending" and any("待见证" in p for p in pending["problems"])
    assert not any("印章签名无效" in p for p in pending["problems"])  # pending, not invalid
    ws.witness(["lagov"])  # one witness is not the quorum of 2
    assert document_report(ws.city, "lagov", sealed.path)["pending"]
    ws.witness()
    report = document_report(ws.city, "lagov", sealed.path)
    assert report["ok"] and report["seal_valid"], report["problems"]
    w = report["witness"]
    entry = eventlog.object_entry(ws.city.log_file, sealed.merge, "lagov")
    assert entry is not None and w["status"] == "witnessed" and w["entry"] == entry.leaf
    assert w["checkpoint_size"] == checkpoint(ws).size > entry.leaf and w["cosigners"] == ["egov", "lagov"]
    text = oa(ws, "verify", "--unit", "lagov", sealed.path)
    assert text.returncode == 0 and f"日志第 {entry.leaf} 号条目" in text.stdout and "egov、lagov" in text.stdout
    # the server's own hook still uses the log's time directly: pushes went through before any witness
    assert eventlog.trusted_times(ws.city.log_file, "lagov")[sealed.merge] == entry.time


def test_witness_state_is_its_own_and_cosignature_is_published(ws: Workspace) -> None:
    ws.witness()
    cp = checkpoint(ws)
    state = witness.load_state(witness.default_state_dir(ws.city.root, "zhou"), "lagov")
    assert state is not None and (state.size, state.root) == (cp.size, cp.root)
    assert not any((ws.city.root / "server").rglob("*.state.json"))  # never under CITY/server
    published = note.Note.parse((ws.city.root / "log" / "checkpoint").read_text())
    keys = policy.load(ws.city.registry_repo)
    assert published.signed_by(keys.log_key) and set(keys.cosigners(published)) == {"egov", "lagov"}
    assert (ws.city.root / "log" / "checkpoints" / str(cp.size)).read_text() == published.encode()
    # a new entry: the witness checks a real consistency proof read from the published tiles
    seal_document(ws)
    out = oa(ws, "witness", "run", "--unit", "lagov", user="zhou")
    assert out.returncode == 0, out.stderr
    assert f"此前见证到 {cp.size} 条" in out.stdout and "一致性证明 0 个" not in out.stdout


def test_witness_refuses_a_rewritten_history_naming_both_checkpoints(ws: Workspace) -> None:
    sealed_document(ws)
    ws.witness()
    old = checkpoint(ws)
    before = witness_checkpoint(ws).read_text()

    def backdate(entries: list[dict]) -> list[dict]:
        entries[3]["time"] = "2012-01-01T00:00:00+08:00"
        return entries
    rewrite_history(ws, backdate)
    new = checkpoint(ws)
    assert new.size == old.size and new.root != old.root
    refused = oa(ws, "witness", "run", "--unit", "lagov", user="zhou")
    assert refused.returncode == 1 and "[witness-fork]" in refused.stderr
    assert f"{old.size} 条" in refused.stderr and note.Checkpoint(old.origin, 0, old.root).text().split("\n")[2] in refused.stderr
    assert new.text().split("\n")[2] in refused.stderr
    assert witness_checkpoint(ws).read_text() == before  # its state unchanged
    assert not policy.load(ws.city.registry_repo).cosigners(
        note.Note.parse((ws.city.root / "log" / "checkpoint").read_text()))
    # oa log verify against the witness's cosigned checkpoint names the rewritten entry
    found = oa(ws, "log", "verify", "--checkpoint", str(witness_checkpoint(ws)))
    assert found.returncode == 1 and "不一致" in found.stderr and f"前 {old.size} 条" in found.stderr, found.stderr
    assert "分叉" in found.stderr and "第 0 至" in found.stderr  # everything recomputed: the range it lies in
    assert oa(ws, "log", "verify").returncode == 0  # without a witness's copy the rewrite is self-consistent


def test_log_verify_names_the_rewritten_entry_from_published_tiles(ws: Workspace) -> None:
    ws.witness()

    def backdate(entries: list[dict]) -> list[dict]:
        entries[5]["time"] = "2012-01-01T00:00:00+08:00"
        return entries
    rewrite_history(ws, backdate, keep_tiles=True)
    found = oa(ws, "log", "verify", "--checkpoint", str(witness_checkpoint(ws)))
    assert found.returncode == 1 and "第 5 号条目（第 6 行）" in found.stderr, found.stderr


def test_witness_refuses_a_truncated_log(ws: Workspace) -> None:
    sealed_document(ws)
    ws.witness()
    old = checkpoint(ws)
    rewrite_history(ws, lambda entries: entries[:-1])
    refused = oa(ws, "witness", "run", "--unit", "egov", user="admin")
    assert refused.returncode == 1 and "[witness-truncated]" in refused.stderr
    assert f"{old.size} 条" in refused.stderr and f"{old.size - 1} 条" in refused.stderr
    found = oa(ws, "log", "verify", "--checkpoint", str(witness_checkpoint(ws, "egov", "admin")))
    assert found.returncode == 1 and "截短" in found.stderr and f"第 {old.size - 1} 号" in found.stderr


def test_two_witnesses_shown_different_histories(ws: Workspace) -> None:
    ws.witness()
    ws.city.log("note", text="A")
    out = oa(ws, "witness", "run", "--unit", "egov", user="admin")
    assert out.returncode == 0, out.stderr
    seen_by_egov = checkpoint(ws)

    def swap_last(entries: list[dict]) -> list[dict]:
        entries[-1]["text"] = "B"
        return entries
    rewrite_history(ws, swap_last)  # lagov is shown another last entry, of the same size
    out = oa(ws, "witness", "run", "--unit", "lagov", user="zhou")
    assert out.returncode == 0, out.stderr  # consistent with what lagov saw before
    shown_to_lagov = checkpoint(ws)
    assert shown_to_lagov.size == seen_by_egov.size and shown_to_lagov.root != seen_by_egov.root
    # neither history has the quorum of 2 ...
    keys = policy.load(ws.city.registry_repo)
    assert not keys.witnessed(note.Note.parse((ws.city.root / "log" / "checkpoint").read_text()))
    # ... egov refuses the fork, and oa log verify with egov's copy reports it
    refused = oa(ws, "witness", "run", "--unit", "egov", user="admin")
    assert refused.returncode == 1 and "[witness-fork]" in refused.stderr and "根哈希不同" in refused.stderr
    found = oa(ws, "log", "verify", "--checkpoint", str(witness_checkpoint(ws, "egov", "admin")))
    assert found.returncode == 1 and "不一致" in found.stderr


def test_cosignatures_need_the_registered_key_and_the_current_checkpoint(ws: Workspace) -> None:
    ws.witness()
    text = note.Note.parse((ws.city.root / "log" / "checkpoint").read_text()).text
    before = (ws.city.root / "log" / "checkpoint").read_bytes()
    stranger = note.Signer.generate(witness.witness_name(checkpoint(ws).origin, "lagov"), note.ALG_COSIGNATURE_V1)
    with pytest.raises(Refused) as caught:
        witness.submit_cosignature(ws.city.root / "log", ws.city.registry_repo, "lagov", text,
                                   note.cosign(text, stranger, 1))
    assert caught.value.rule == "cosignature-invalid"
    assert (ws.city.root / "log" / "checkpoint").read_bytes() == before
    key = note.Signer.parse(witness.key_file(witness.default_state_dir(ws.city.root, "zhou"), "lagov").read_text())
    ws.city.log("note", text="newer")
    with pytest.raises(Refused) as caught:
        witness.submit_cosignature(ws.city.root / "log", ws.city.registry_repo, "lagov", text, note.cosign(text, key, 2))
    assert caught.value.rule == "cosignature-stale"


def test_an_older_cosignature_never_replaces_the_witnesss_newer_one(ws: Workspace) -> None:
    """A replayed (older) cosignature of the current checkpoint by the registered key is
    refused and changes nothing; the same cosignature handed in again is taken unchanged."""
    ws.witness()
    path = ws.city.root / "log" / "checkpoint"
    published = note.Note.parse(path.read_text())
    key = note.Signer.parse(witness.key_file(witness.default_state_dir(ws.city.root, "zhou"), "lagov").read_text())
    held = published.cosignature_by(key.verifier)
    assert held is not None
    before = path.read_bytes()
    for stamp in (held - 3600, held):  # older, or another signature claiming the same time
        replay = note.cosign(published.text, key, stamp)
        if replay in published.signatures:
            continue  # Ed25519 is deterministic: the same time is the same signature
        with pytest.raises(Refused) as caught:
            witness.submit_cosignature(ws.city.root / "log", ws.city.registry_repo, "lagov", published.text, replay)
        assert caught.value.rule == "cosignature-replayed" and path.read_bytes() == before
    mine = next(s for s in published.signatures if s.key_id == key.verifier.key_id)
    witness.submit_cosignature(ws.city.root / "log", ws.city.registry_repo, "lagov", published.text, mine)
    assert path.read_bytes() == before
    newer = note.cosign(published.text, key, held + 60)
    witness.submit_cosignature(ws.city.root / "log", ws.city.registry_repo, "lagov", published.text, newer)
    assert note.Note.parse(path.read_text()).cosignature_by(key.verifier) == held + 60


def test_only_the_units_admin_runs_its_registered_witness(ws: Workspace) -> None:
    before = (ws.city.root / "log" / "checkpoint").read_bytes()
    refused = oa(ws, "witness", "run", "--unit", "lagov", user="zhang")
    assert refused.returncode == 1 and "[witness-holder]" in refused.stderr
    refused = oa(ws, "witness", "run", "--unit", "egov", user="zhou")
    assert refused.returncode == 1 and "[witness-holder]" in refused.stderr
    moved = ws.base / "elsewhere"
    refused = oa(ws, "witness", "run", "--unit", "lagov", "--state", str(moved), user="zhou")
    assert refused.returncode == 1 and "[witness-key-missing]" in refused.stderr
    assert (ws.city.root / "log" / "checkpoint").read_bytes() == before
    # registering: the e-gov office only, for a unit's admin
    refused = oa(ws, "witness", "add", "--unit", "jyj", "--holder", "wu", user="admin")
    assert refused.returncode == 1 and "[witness-holder]" in refused.stderr
    refused = oa(ws, "witness", "add", "--unit", "lagov", "--holder", "zhou", user="zhou")
    assert refused.returncode == 1 and "[registry-writer]" in refused.stderr


def test_offline_proof_checks_with_the_registry_keys_alone(ws: Workspace) -> None:
    sealed = sealed_document(ws)
    early = ws.base / "early.tlog-proof"
    assert oa(ws, "log", "proof", sealed.merge, "--out", str(early)).returncode == 0
    pending = oa(ws, "verify", "--proof", str(early), sealed.merge)
    assert pending.returncode == 1 and "待见证" in pending.stdout
    ws.witness()
    out = ws.base / "merge.tlog-proof"
    made = oa(ws, "log", "proof", sealed.merge, "--out", str(out))
    assert made.returncode == 0, made.stderr
    text = out.read_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra ") and "\nindex " in text
    good = oa(ws, "--json", "verify", "--proof", str(out), sealed.merge)
    assert good.returncode == 0, good.stdout + good.stderr
    data = json.loads(good.stdout)
    assert data["ok"] and data["witnessed"] and data["cosigners"] == ["egov", "lagov"]
    assert sealed.merge in data["entry"]["objects"]
    # a proof is for one object; a changed path or entry fails
    assert oa(ws, "verify", "--proof", str(out), sealed.mr_head).returncode == 1 or \
        sealed.mr_head in data["entry"]["objects"]
    lines = text.split("\n")
    hash_line = next(i for i, line in enumerate(lines) if i > 2 and line and not line.startswith("index"))
    lines[hash_line] = ("A" if lines[hash_line][0] != "A" else "B") + lines[hash_line][1:]
    bad = ws.base / "bad.tlog-proof"
    bad.write_text("\n".join(lines))
    refused = oa(ws, "verify", "--proof", str(bad), sealed.merge)
    assert refused.returncode == 1 and "包含证明不成立" in refused.stdout


def test_registry_keeps_the_log_key_and_checks_witness_keys(ws: Workspace) -> None:
    from repo_tools.git.repo import PushRefused
    before = ws.snapshot()
    other = note.Signer.generate(checkpoint(ws).origin).verifier.text().encode()
    with pytest.raises(PushRefused) as caught:
        ws.city.change_registry("admin", {"log/key.pub": other}, "更换日志公钥")
    assert "registry-log-key" in caught.value.message
    wrong = note.Signer.generate("oa.x/witness/jyj", note.ALG_COSIGNATURE_V1).verifier.text().encode()
    with pytest.raises(PushRefused) as caught:
        ws.city.change_registry("admin", {"witnesses/jyj.pub": wrong}, "登记见证公钥")
    assert "见证密钥名称应为" in caught.value.message
    with pytest.raises(PushRefused) as caught:
        ws.city.change_registry("admin", {"log/settings.yaml": b"witness_quorum: 0\n"}, "法定数")
    assert "witness_quorum" in caught.value.message
    assert ws.snapshot() == before
    good = note.Signer.generate(witness.witness_name(checkpoint(ws).origin, "jyj"), note.ALG_COSIGNATURE_V1)
    ws.city.change_registry("admin", {"witnesses/jyj.pub": (good.verifier.text() + "\n").encode()}, "登记见证公钥")
    assert policy.load(ws.city.registry_repo).witnesses["jyj"] == good.verifier
