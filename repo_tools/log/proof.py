"""Offline proofs (C2SP tlog-proof@v1): that the push which brought an object is entry N of
the log, inside a checkpoint signed by the log key and cosigned by the units' witnesses.

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry's exact bytes: the log line itself>
    index <N>
    <base64 hash>            the RFC 9162 inclusion path, one per line
    (blank line)
    <the checkpoint, a signed note with its cosignatures>

Checked with nothing but the registry's public keys and quorum (`policy.LogPolicy`).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repo_tools.log import note, store
from repo_tools.log.policy import LogPolicy
from repo_tools.log.quorum import _history
from repo_tools.log.tlog import check_record, prove_record, record_hash, tree_hash
from repo_tools.messages import Refused

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass
class TlogProof:
    index: int
    hashes: list[bytes]
    checkpoint: str     # signed note
    extra: bytes = b""

    def encode(self) -> str:
        lines = [HEADER]
        if self.extra:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str) -> TlogProof:
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines or lines[0] != HEADER:
            raise ValueError(f"不是 {HEADER} 格式的证明")
        extra, pos = b"", 1
        if pos < len(lines) and lines[pos].startswith("extra "):
            extra = base64.b64decode(lines[pos][6:], validate=True)
            pos += 1
        if pos >= len(lines) or not lines[pos].startswith("index ") or not lines[pos][6:].isdigit():
            raise ValueError("缺少 index 行")
        index = int(lines[pos][6:])
        hashes = [base64.b64decode(h, validate=True) for h in lines[pos + 1:]]
        if any(len(h) != 32 for h in hashes):
            raise ValueError("包含证明中的哈希应为 32 字节")
        return cls(index, hashes, checkpoint, extra)


def make(log_file: Path, policy: LogPolicy, oid: str, unit: str | None = None) -> TlogProof:
    """The proof for the push that first brought `oid`: against the newest quorum-cosigned
    checkpoint that holds it, else against the current checkpoint (then it is still 待见证)."""
    entry = store.object_entry(log_file, oid, unit) or store.object_entry(log_file, oid)
    if entry is None:
        raise Refused("proof-missing", oid=oid)
    try:
        store.update(log_file)
    except OSError:
        pass  # read-only: prove against what is stored
    tree = store.ReadTree(log_file)
    try:
        chosen: note.Note | None = None
        for size in _history(log_file.parent):
            if size <= entry.leaf or size > tree.size:
                continue
            signed = note.Note.parse((log_file.parent / "checkpoints" / str(size)).read_text(encoding="utf-8"))
            if policy.witnessed(signed):
                chosen = signed
                break
        if chosen is None:
            chosen = store.read_checkpoint(store.LogPaths(log_file))
        if chosen is None:
            raise Refused("proof-invalid", detail="日志还没有签名的检查点")
        cp = note.Checkpoint.parse(chosen.text)
        if cp.size <= entry.leaf or tree_hash(cp.size, tree.hashes) != cp.root:
            raise Refused("proof-invalid", detail=f"检查点（{cp.size} 条）与服务器存储的树不一致，请先运行 `oa log verify`")
        hashes = prove_record(cp.size, entry.leaf, tree.hashes)
        return TlogProof(entry.leaf, hashes, chosen.encode(), tree.entry(entry.leaf))
    finally:
        tree.close()


@dataclass
class ProofCheck:
    ok: bool                     # signature and inclusion hold
    witnessed: bool              # and the checkpoint carries the witness quorum
    index: int | None = None
    size: int | None = None
    cosigners: list[str] = field(default_factory=list)
    quorum: int = 2
    entry: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check(text: str, policy: LogPolicy, oid: str | None = None) -> ProofCheck:
    """Check an offline proof with the registry's keys only."""
    result = ProofCheck(False, False, quorum=policy.quorum)
    try:
        proof = TlogProof.parse(text)
        signed = note.Note.parse(proof.checkpoint)
        cp = note.Checkpoint.parse(signed.text)
    except (ValueError, note.NoteError) as exc:
        result.problems.append(f"证明格式错误：{exc}")
        return result
    result.index, result.size = proof.index, cp.size
    if policy.log_key is None or cp.origin != policy.log_key.name or not signed.signed_by(policy.log_key):
        result.problems.append("检查点没有登记系统中日志密钥的有效签名")
        return result
    if not check_record(proof.hashes, cp.size, cp.root, proof.index, record_hash(proof.extra)):
        result.problems.append(f"包含证明不成立：该条目不是 {cp.size} 条检查点中的第 {proof.index} 号条目")
        return result
    try:
        entry = json.loads(proof.extra)
    except ValueError:
        entry = {}
    result.entry = entry if isinstance(entry, dict) else {}
    if oid is not None and oid not in store.indexed_objects(result.entry):
        result.problems.append(f"该日志条目不是带来对象 {oid} 的推送")
        return result
    result.ok = True
    result.cosigners = sorted(policy.cosigners(signed))
    result.witnessed = len(result.cosigners) >= policy.quorum
    return result


def render(result: ProofCheck) -> str:
    """The check for people (Chinese)."""
    if not result.ok:
        return "✗ 日志证明无效：" + "；".join(result.problems)
    e = result.entry
    head = (f"✓ 日志证明有效：第 {result.index} 号条目（{e.get('type', '')}，{e.get('repo', '')}，"
            f"时间 {e.get('time', '未知')}），在 {result.size} 条的检查点内")
    if result.witnessed:
        return head + f"；见证单位：{'、'.join(result.cosigners)}（达到 {result.quorum} 个的要求），可信时间成立。"
    return head + (f"；待见证：只有 {len(result.cosigners)} 个见证单位联署"
                   f"（{'、'.join(result.cosigners) or '无'}），需要 {result.quorum} 个。")
