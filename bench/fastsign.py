"""OpenPGP signatures made in this process, for generating a sealed benchmark city quickly.

BENCHMARK ONLY. gpg costs 5-10 ms per signature (a process, the agent, the keyring): a city of
50,000 sealed documents needs about half a million signatures (seal merges, approvals, sign-offs,
the authors' commits and every push certificate). So the generator asks gpg once to make the
keys (`gpg --batch --generate-key`, one run for every key of the city), exports their secret
parts once, and signs here: each signature is a standard v4 OpenPGP signature packet (RFC 4880
§5.2.3; EdDSA over Ed25519, SHA-256, issuer fingerprint and creation time hashed), exactly what
gpg makes with the same key, so gpg with the server keyring verifies it like any other. Nothing
outside `bench/` signs this way; the hooks and the CLI always sign with gpg.

Hand-written because no kept library signs with a gpg-made Ed25519 key at this speed (PGPy
re-parses the key per signature and is two orders of magnitude slower); `cryptography` does the
Ed25519 arithmetic.
"""
from __future__ import annotations

import base64
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ED25519_OID = bytes.fromhex("2b06010401da470f01")
EDDSA = 22
SHA256 = 8


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(packet: bytes) -> bytes:
    """ASCII armor (RFC 4880 §6.2) of one signature packet."""
    b64 = base64.b64encode(packet).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    crc = base64.b64encode(_crc24(packet).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP SIGNATURE-----\n\n" + "\n".join(lines) + f"\n={crc}\n-----END PGP SIGNATURE-----\n").encode()


def _mpi(value: bytes) -> bytes:
    value = value.lstrip(b"\0")
    bits = (len(value) - 1) * 8 + value[0].bit_length() if value else 0
    return bits.to_bytes(2, "big") + value


def _packet(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 192:
        length = bytes([n])
    elif n < 8384:
        length = bytes([((n - 192) >> 8) + 192, (n - 192) & 0xFF])
    else:
        length = b"\xff" + n.to_bytes(4, "big")
    return bytes([0xC0 | tag]) + length + body


def _sub(kind: int, data: bytes) -> bytes:
    return bytes([len(data) + 1, kind]) + data


@dataclass
class FastKey:
    """One Ed25519 primary key: its v4 fingerprint and its secret seed."""
    fingerprint: str
    seed: bytes

    def __post_init__(self) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(self.seed)
        fpr = bytes.fromhex(self.fingerprint)
        self._hashed_sub = _sub(33, b"\x04" + fpr)
        self._unhashed = _sub(16, fpr[-8:])

    def sign(self, data: bytes, when: int) -> bytes:
        """A binary detached signature packet over `data`, made at Unix time `when`."""
        subs = self._hashed_sub + _sub(2, when.to_bytes(4, "big"))
        hashed = bytes([4, 0x00, EDDSA, SHA256]) + len(subs).to_bytes(2, "big") + subs
        digest = hashlib.sha256(data + hashed + b"\x04\xff" + len(hashed).to_bytes(4, "big")).digest()
        sig = self._key.sign(digest)  # legacy EdDSA in OpenPGP signs the hash digest
        body = (hashed + len(self._unhashed).to_bytes(2, "big") + self._unhashed + digest[:2]
                + _mpi(sig[:32]) + _mpi(sig[32:]))
        return _packet(2, body)

    def armored(self, data: bytes, when: int) -> bytes:
        return armor(self.sign(data, when))


def _packets(data: bytes):  # type: ignore[no-untyped-def]
    """(tag, body) of each packet of a binary OpenPGP stream (new and old formats)."""
    pos = 0
    while pos < len(data):
        first = data[pos]
        if first & 0x40:
            tag = first & 0x3F
            octet = data[pos + 1]
            if octet < 192:
                length, start = octet, pos + 2
            elif octet < 224:
                length, start = ((octet - 192) << 8) + data[pos + 2] + 192, pos + 3
            else:
                length, start = int.from_bytes(data[pos + 2:pos + 6], "big"), pos + 6
        else:
            tag = (first >> 2) & 0x0F
            size = (1, 2, 4)[first & 0x03]
            length, start = int.from_bytes(data[pos + 1:pos + 1 + size], "big"), pos + 1 + size
        yield tag, data[start:start + length]
        pos = start + length


def secret_keys(home: Path) -> dict[str, FastKey]:
    """Fingerprint -> FastKey for every unprotected Ed25519 primary key in the gpg home."""
    out = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--export-secret-keys"],
                         capture_output=True, check=True).stdout
    found: dict[str, FastKey] = {}
    for tag, body in _packets(out):
        if tag != 5:  # secret key packet (subkeys, user ids and signatures are skipped)
            continue
        if body[0] != 4 or body[5] != EDDSA:
            continue
        oid_len = body[6]
        if body[7:7 + oid_len] != ED25519_OID:
            continue
        pos = 7 + oid_len
        bits = int.from_bytes(body[pos:pos + 2], "big")
        pos += 2 + (bits + 7) // 8
        public = body[:pos]
        if body[pos] != 0:
            raise ValueError("protected secret key: the generator makes keys without passphrase")
        pos += 1
        bits = int.from_bytes(body[pos:pos + 2], "big")
        seed = body[pos + 2:pos + 2 + (bits + 7) // 8].rjust(32, b"\0")
        fpr = hashlib.sha1(b"\x99" + len(public).to_bytes(2, "big") + public).hexdigest().upper()
        found[fpr] = FastKey(fpr, seed)
    return found
