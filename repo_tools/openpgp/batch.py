"""Many detached signatures verified by one `gpg --verify-files` run with the server keyring.

gpg has no batch mode for detached signatures, but it verifies any number of *signed messages*
in one process, and a signed message may be a signature packet followed by a literal data
packet holding the signed bytes (RFC 4880 §11.3). So each (payload, signature) becomes such a
message in a temporary file; `--status-fd` reports FILE_START / GOODSIG / VALIDSIG / FILE_DONE
per file. Only a signature that is exactly one signature packet is wrapped this way (anything
else, such as extra packets an attacker appended, goes to the one-by-one path), so the message
gpg checks says no more than the detached signature did.

gpg stops at the first file it cannot verify; the run resumes after it, up to MAX_RESTARTS times
(beyond that the push is refused anyway, and the rest are reported as not checked).
"""
from __future__ import annotations

import base64
import binascii
import os
import subprocess
import tempfile
from pathlib import Path

from repo_tools.identity.keys import Verification, verify_detached_gpg
from repo_tools.messages import say
from repo_tools.openpgp import inprocess

MAX_RESTARTS = 16
NOT_CHECKED = say("openpgp.batch.module.1")


def dearmor(signature: bytes) -> bytes | None:
    """The binary packets of an ASCII-armored block (or the bytes themselves if binary)."""
    text = signature.strip()
    if not text.startswith(b"-----BEGIN PGP SIGNATURE-----"):
        return signature if signature[:1] and signature[0] & 0x80 else None
    lines = text.splitlines()
    # Exactly one armored block and nothing after it: gpg would read anything more as well.
    if text.count(b"-----BEGIN PGP") != 1 or not lines[-1].strip() == b"-----END PGP SIGNATURE-----":
        return None
    body: list[bytes] = []
    in_headers = True
    for line in lines[1:]:
        line = line.strip()
        if line.startswith(b"-----END PGP SIGNATURE-----"):
            break
        if in_headers:
            if line == b"":
                in_headers = False
            elif b":" not in line:  # no armor headers: this line is data already
                in_headers = False
                body.append(line)
            continue
        if line.startswith(b"="):
            break  # the CRC-24 line
        body.append(line)
    try:
        return base64.b64decode(b"".join(body), validate=True)
    except (binascii.Error, ValueError):
        return None


def single_signature_packet(signature: bytes) -> bytes | None:
    """The binary signature when it is exactly one OpenPGP signature packet (tag 2), else None."""
    raw = dearmor(signature)
    if not raw or not raw[0] & 0x80:
        return None
    first = raw[0]
    if first & 0x40:  # new format
        tag = first & 0x3F
        if len(raw) < 2:
            return None
        octet = raw[1]
        if octet < 192:
            length, start = octet, 2
        elif octet < 224:
            if len(raw) < 3:
                return None
            length, start = ((octet - 192) << 8) + raw[2] + 192, 3
        elif octet == 255:
            length, start = int.from_bytes(raw[2:6], "big"), 6
        else:
            return None  # partial body lengths: not a plain signature
    else:
        tag = (first >> 2) & 0x0F
        kind = first & 0x03
        if kind == 3:
            return None
        size = (1, 2, 4)[kind]
        length, start = int.from_bytes(raw[1:1 + size], "big"), 1 + size
    if tag != 2 or start + length != len(raw):
        return None
    return raw


def literal_packet(data: bytes) -> bytes:
    """A literal data packet (tag 11, binary, no name, no date) holding `data`."""
    body = b"b\x00\x00\x00\x00\x00" + data
    n = len(body)
    if n < 192:
        header = bytes([n])
    elif n < 8384:
        header = bytes([((n - 192) >> 8) + 192, (n - 192) & 0xFF])
    else:
        header = b"\xff" + n.to_bytes(4, "big")
    return b"\xcb" + header + body


def _judge(lines: list[str]) -> Verification:
    """One file's status lines, read as python-gnupg reads them (see keys.verify_detached)."""
    words = [line.split() for line in lines]
    kinds = {w[1] for w in words if len(w) > 1}
    primary = None
    for w in words:
        if len(w) > 11 and w[1] == "VALIDSIG":
            primary = w[11]
    if "GOODSIG" in kinds and primary and not kinds & {"BADSIG", "ERRSIG", "EXPKEYSIG", "REVKEYSIG", "EXPSIG"}:
        return Verification(True, primary, "good")
    for kind, status in (("BADSIG", "signature bad"), ("EXPKEYSIG", "signing key has expired"),
                         ("REVKEYSIG", "signing key was revoked"), ("EXPSIG", "signature expired"),
                         ("NO_PUBKEY", "no public key"), ("ERRSIG", "signature error")):
        if kind in kinds:
            return Verification(False, None if kind in ("NO_PUBKEY", "ERRSIG", "BADSIG") else primary, status)
    return Verification(False, None, "invalid")


def in_process(ring: inprocess.Keyring | None, payload: bytes, signature: bytes) -> Verification | None:
    """The verdict `inprocess` gives, or None when gpg must say: no keyring, not exactly one
    signature packet, or not a plain case."""
    packet = single_signature_packet(signature) if ring is not None else None
    return inprocess.verify(ring, payload, packet) if ring is not None and packet is not None else None


def verify_many(home: str | Path, items: list[tuple[bytes, bytes]]) -> list[Verification]:
    """Check each (payload, armored detached signature) with the keyring in `home` only: the
    plain cases in this process (`inprocess`, ~0.1 ms each), the rest by one gpg run."""
    ring = inprocess.keyring(home) if items else None
    results: list[Verification | None] = [in_process(ring, payload, signature) for payload, signature in items]
    rest = [i for i, got in enumerate(results) if got is None]
    if rest:
        for i, got in zip(rest, verify_many_gpg(home, [items[i] for i in rest]), strict=True):
            results[i] = got
    return [r if r is not None else Verification(False, None, "invalid") for r in results]


def verify_many_gpg(home: str | Path, items: list[tuple[bytes, bytes]]) -> list[Verification]:
    """Check each (payload, armored detached signature) with the keyring in `home` only, by gpg."""
    results: list[Verification | None] = [None] * len(items)
    wrapped: list[int] = []
    # In memory where the system has it: 2,000 small files cost seconds on a busy disk.
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="oa-v", dir=scratch) as tmp:
        for i, (payload, signature) in enumerate(items):
            packet = single_signature_packet(signature)
            if packet is None:
                results[i] = verify_detached_gpg(home, payload, signature)
                continue
            (Path(tmp) / f"{i}.gpg").write_bytes(packet + literal_packet(payload))
            wrapped.append(i)
        pending = wrapped
        restarts = 0
        while pending and restarts <= MAX_RESTARTS:
            pending = _run(home, tmp, pending, results)
            restarts += 1
        for i in pending:
            results[i] = Verification(False, None, NOT_CHECKED)
    return [r if r is not None else Verification(False, None, "invalid") for r in results]


def _run(home: str | Path, tmp: str, pending: list[int], results: list[Verification | None]) -> list[int]:
    """One gpg run over the pending files; returns those after the file gpg stopped at."""
    names = "".join(f"{tmp}/{i}.gpg\n" for i in pending).encode()
    proc = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--no-tty", "--status-fd", "1",
                           "--no-auto-key-retrieve", "--verify-files"],
                          input=names, capture_output=True)
    current: int | None = None
    lines: list[str] = []
    done: set[int] = set()
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if not line.startswith("[GNUPG:] "):
            continue
        if line.startswith("[GNUPG:] FILE_START "):
            current = int(Path(line.split(" ", 3)[3]).stem)
            lines = []
        elif line.startswith("[GNUPG:] FILE_DONE") and current is not None:
            results[current] = _judge(lines)
            done.add(current)
            current = None
        elif current is not None:
            lines.append(line)
    if current is not None:  # gpg gave up on this file and stopped
        results[current] = _judge(lines)
        done.add(current)
        position = pending.index(current)
        return [i for i in pending[position + 1:] if i not in done]
    remaining = [i for i in pending if i not in done]
    if remaining and not done:  # gpg made no progress at all: never loop, judge these alone
        for i in remaining:
            data = (Path(tmp) / f"{i}.gpg").read_bytes()
            results[i] = Verification(False, None, say("openpgp.batch._run.1", returncode=proc.returncode))
            del data
        return []
    return remaining
