"""What the log publishes for a clone (log/published.py): the reader gets only what it lacks,
verifies its copy with the registry's keys alone, and a copy that differs from what was
published is caught; a stream outside the layout writes nothing."""
from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import pytest
from fixtures import Workspace

from repo_tools.log import audit, eventlog, note, policy, published
from repo_tools.log import store as log_store


def _fetch(ws: Workspace, copy: Path) -> list[str]:
    out = io.BytesIO()
    published.serve(ws.city.log_file, published.have(copy), out)
    out.seek(0)
    return published.fetch_into(copy, out)


def _reader_copy(ws: Workspace, tmp_path: Path) -> Path:
    """A reader's city: the registry (a copy of the bare repository) and an empty log."""
    base = tmp_path / "reader"
    shutil.copytree(ws.city.registry_repo, base / "registry.git", symlinks=True)
    return base / "log"


def test_a_reader_gets_what_it_lacks_and_verifies_it_with_the_registrys_keys(ws: Workspace, tmp_path: Path) -> None:
    copy = _reader_copy(ws, tmp_path)
    first = _fetch(ws, copy)
    assert "events.jsonl" in first and "checkpoint" in first and any(n.startswith("tile/") for n in first)
    assert (copy / "events.jsonl").read_bytes() == ws.city.log_file.read_bytes()
    keys = policy.load(copy.parent / "registry.git")
    assert audit.audit(copy / "events.jsonl", keys).problems == []
    assert _fetch(ws, copy) == []  # nothing new: nothing sent but the checkpoint, unchanged
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"notes/a.md": "草稿\n"})
    assert ws.push(work).returncode == 0
    again = published.have(copy)
    out = io.BytesIO()
    published.serve(ws.city.log_file, again, out)
    names = [m.name for m in tarfile.open(fileobj=io.BytesIO(out.getvalue()), mode="r:")]
    assert f"events@{again.offset}" in names  # only the new lines
    out.seek(0)
    assert "events.jsonl" in published.fetch_into(copy, out)
    assert (copy / "events.jsonl").read_bytes() == ws.city.log_file.read_bytes()
    assert eventlog.verify(copy / "events.jsonl") == []


def test_a_tampered_copy_is_caught_by_the_published_checkpoint_and_tiles(ws: Workspace, tmp_path: Path) -> None:
    copy = _reader_copy(ws, tmp_path)
    _fetch(ws, copy)
    events = copy / "events.jsonl"
    lines = events.read_bytes().split(b"\n")
    assert b'"seq": 2,' in lines[1]
    lines[1] = lines[1].replace(b'"seq": 2,', b'"seq": 9,', 1)  # the same length: the tail holds
    events.write_bytes(b"\n".join(lines))
    assert _fetch(ws, copy) == []  # the reader's copy continues the service's: kept as it is
    found = audit.audit(events, policy.load(copy.parent / "registry.git")).problems
    assert any(p.kind in ("tile", "rewrite") for p in found), found
    assert eventlog.verify(events)


def test_a_forged_checkpoint_is_refused_by_the_registrys_log_key(ws: Workspace, tmp_path: Path) -> None:
    copy = _reader_copy(ws, tmp_path)
    _fetch(ws, copy)
    cp = note.Checkpoint.parse(note.Note.parse((copy / "checkpoint").read_text()).text)
    other = note.Signer.generate(cp.origin, note.ALG_ED25519)  # the same name, another key
    (copy / "checkpoint").write_text(note.sign_note(cp.text(), other).encode())
    found = audit.audit(copy / "events.jsonl", policy.load(copy.parent / "registry.git")).problems
    assert [p.kind for p in found] == ["checkpoint"], found


def test_a_stream_outside_the_layout_writes_nothing(ws: Workspace, tmp_path: Path) -> None:
    copy = _reader_copy(ws, tmp_path)
    _fetch(ws, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    for name in ("../escape", "store/index.sqlite", "checkpoint/../../x", "tile/0/000/../../../y"):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w") as tar:
            info = tarfile.TarInfo("checkpoint")
            data = b"forged\n"
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        out.seek(0)
        with pytest.raises(published.PublishedError):
            published.fetch_into(copy, out)
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


def test_a_kept_cosigned_checkpoint_is_never_replaced_by_another_trees(ws: Workspace, tmp_path: Path) -> None:
    ws.witness()
    copy = _reader_copy(ws, tmp_path)
    _fetch(ws, copy)
    kept = sorted((copy / "checkpoints").iterdir())
    assert kept, "the witnesses cosigned a checkpoint"
    original = kept[-1].read_bytes()
    server = ws.city.root / "log" / "checkpoints" / kept[-1].name
    saved = server.read_bytes()
    try:
        log_signer = log_store.log_signer(log_store.LogPaths(ws.city.log_file))
        assert log_signer is not None
        cp = note.Checkpoint.parse(note.Note.parse(saved.decode()).text)
        forged = note.Checkpoint(cp.origin, cp.size, b"\x01" * 32)
        server.write_text(note.sign_note(forged.text(), log_signer).encode())
        _fetch(ws, copy)
        assert kept[-1].read_bytes() == original
    finally:
        server.write_bytes(saved)
