"""In-process verification (pysequoia) says what gpg says: good, tampered, unknown key, wrong key,
a key deleted or revoked on the server, appended packets, the cases it leaves to gpg, and it
never reads the caller's GNUPGHOME."""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures import short_tmpdir

from repo_tools.identity import keys
from repo_tools.openpgp import batch, inprocess

DATA = b"tree 0000\n\n\xe5\x85\xac\xe6\x96\x87\n"


def gpg(home: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--no-tty", "--yes", *args],
                          input=data, capture_output=True, check=True).stdout


@pytest.fixture
def homes() -> Iterator[tuple[Path, Path, str, str]]:
    """A signer's home with keys A and B, and a server home that knows only A."""
    root = short_tmpdir("sq")
    signer, server = root / "s", root / "v"
    a = keys.generate(signer, "甲", "a@example.cn")
    b = keys.generate(signer, "乙", "b@example.cn")
    keys.import_keys(server, keys.export_public(signer, a))
    yield signer, server, a, b
    for home in (signer, server):
        keys.stop_agent(home)
    shutil.rmtree(root, ignore_errors=True)


def both(server: Path, data: bytes, sig: bytes) -> tuple[keys.Verification, keys.Verification,
                                                          keys.Verification, keys.Verification]:
    """The in-process answers (one and batch) and gpg's (one and batch), for comparing."""
    return (keys.verify_detached(server, data, sig), batch.verify_many(server, [(data, sig)])[0],
            keys.verify_detached_gpg(server, data, sig), batch.verify_many_gpg(server, [(data, sig)])[0])


def signed(homes: tuple[Path, Path, str, str]) -> tuple[Path, bytes, bytes, inprocess.Keyring]:
    """(server home, signature by key a over DATA, its one packet, the server's keyring)."""
    signer, server, a, _ = homes
    sig = keys.sign_detached(signer, a, DATA).encode()
    packet = batch.single_signature_packet(sig)
    ring = inprocess.keyring(server)
    assert ring is not None and packet is not None
    return server, sig, packet, ring


def test_good_signature_is_decided_in_process(homes: tuple[Path, Path, str, str]) -> None:
    server, sig, packet, ring = signed(homes)
    a = homes[2]
    assert inprocess.verify(ring, DATA, packet) == keys.Verification(True, a, "good")
    assert set(both(server, DATA, sig)) == {keys.Verification(True, a, "good")}


def test_tampered_data_falls_back_to_gpg_and_is_bad(homes: tuple[Path, Path, str, str]) -> None:
    server, sig, packet, ring = signed(homes)
    assert inprocess.verify(ring, DATA + b"x", packet) is None  # gpg words the refusal
    got = both(server, DATA + b"x", sig)
    assert set(got) == {keys.Verification(False, None, "signature bad")}


def test_unknown_key_is_no_public_key_without_fingerprint(homes: tuple[Path, Path, str, str]) -> None:
    signer, server, _, b = homes
    sig = keys.sign_detached(signer, b, DATA).encode()
    got = both(server, DATA, sig)
    assert all(not v.valid and v.fingerprint is None for v in got)
    assert got[0] == got[1] == keys.Verification(False, None, "no public key")
    assert got[2].status == got[3].status == "no public key"


def test_signature_by_another_key_over_other_data_is_refused(homes: tuple[Path, Path, str, str]) -> None:
    """A's signature of other data presented for DATA: bad, as gpg says."""
    signer, server, a, _ = homes
    sig = keys.sign_detached(signer, a, b"other").encode()
    assert set(both(server, DATA, sig)) == {keys.Verification(False, None, "signature bad")}


def test_key_removed_from_server_keyring_is_unknown_at_once(homes: tuple[Path, Path, str, str]) -> None:
    signer, server, a, _ = homes
    sig = keys.sign_detached(signer, a, DATA).encode()
    assert keys.verify_detached(server, DATA, sig).valid  # cached now
    gpg(server, "--delete-keys", a)
    got = both(server, DATA, sig)
    assert all(not v.valid and v.fingerprint is None for v in got)


def test_revoked_key_gets_gpgs_verdict(homes: tuple[Path, Path, str, str]) -> None:
    signer, server, a, _ = homes
    sig = keys.sign_detached(signer, a, DATA).encode()
    assert keys.verify_detached(server, DATA, sig).valid
    revocation = next((signer / "openpgp-revocs.d").glob(f"{a}.rev")).read_text()
    gpg(server, "--import", data=revocation.replace(":-----BEGIN", "-----BEGIN").encode())
    ring = inprocess.keyring(server)
    assert ring is not None and not ring.keys[a].usable
    one, many, one_gpg, many_gpg = both(server, DATA, sig)
    assert not one.valid and one == one_gpg and many == many_gpg
    assert many.status == "signing key was revoked" and many.fingerprint == a


def test_appended_packets_keep_todays_handling(homes: tuple[Path, Path, str, str]) -> None:
    signer, server, a, b = homes
    first = keys.sign_detached(signer, a, DATA).encode()
    second = keys.sign_detached(signer, b, DATA).encode()
    assert batch.single_signature_packet(first + second) is None
    got = both(server, DATA, first + second)
    assert got[0] == got[2] and got[1] == got[3]


def test_sha1_signature_refused_by_sequoia_falls_back_to_gpg(homes: tuple[Path, Path, str, str]) -> None:
    """Sequoia's policy rejects SHA-1; gpg decides, and the verdict is gpg's own."""
    signer, server, a, _ = homes
    src = signer / "data"
    src.write_bytes(DATA)
    sig = gpg(signer, "--armor", "--digest-algo", "SHA1", "--local-user", a, "--detach-sign", "-o", "-",
              str(src))
    packet = batch.single_signature_packet(sig)
    ring = inprocess.keyring(server)
    assert ring is not None and packet is not None
    assert inprocess.verify(ring, DATA, packet) is None
    one, many, one_gpg, many_gpg = both(server, DATA, sig)
    assert one == one_gpg and many == many_gpg


def test_callers_gnupghome_is_never_consulted(homes: tuple[Path, Path, str, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """B is known only to the caller's GNUPGHOME: still unknown to the server."""
    signer, server, _, b = homes
    monkeypatch.setenv("GNUPGHOME", str(signer))
    inprocess._CACHE.clear()
    sig = keys.sign_detached(signer, b, DATA).encode()
    got = both(server, DATA, sig)
    assert all(not v.valid and v.fingerprint is None for v in got)
    assert os.environ["GNUPGHOME"] == str(signer)


def test_next_process_reads_the_cached_export_without_gpg(homes: tuple[Path, Path, str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The export beside the keyring serves a later process (no gpg on PATH) while the keyring is
    unchanged; an import makes it stale, and it is not used then."""
    signer, server, a, b = homes
    sig = keys.sign_detached(signer, a, DATA).encode()
    assert keys.verify_detached(server, DATA, sig).valid
    assert (server / inprocess.CACHE_FILE).is_file()
    inprocess._CACHE.clear()
    empty = short_tmpdir("np")
    with monkeypatch.context() as m:
        m.setenv("PATH", str(empty))
        ring = inprocess.keyring(server)
    assert ring is not None and a in ring.keys and b not in ring.keys
    keys.import_keys(server, keys.export_public(signer, b))
    inprocess._CACHE.clear()
    ring = inprocess.keyring(server)
    assert ring is not None and b in ring.keys
    sig_b = keys.sign_detached(signer, b, DATA).encode()
    assert keys.verify_detached(server, DATA, sig_b) == keys.Verification(True, b, "good")
    empty.rmdir()
