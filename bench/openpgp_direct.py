"""OpenPGP signatures made directly (RFC 4880 §5.2.3, EdDSA per RFC 4880bis), FOR BENCHMARKS ONLY.

A benchmark city of 10,000 sealed documents needs some 60,000 signatures; gpg signs one per
process (tens of milliseconds each), so the generator reads each demo key's unprotected Ed25519
secret from `gpg --export-secret-keys` and signs with `cryptography` instead. The signatures are
ordinary v4 detached signatures that gpg verifies like its own (the bench's cold run does).
"""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def _packets(data: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(data):
        first = data[i]
        if first & 0x40:  # new format
            tag, octet = first & 0x3F, data[i + 1]
            if octet < 192:
                length, start = octet, i + 2
            elif octet < 224:
                length, start = ((octet - 192) << 8) + data[i + 2] + 192, i + 3
            else:
                length, start = int.from_bytes(data[i + 2:i + 6], "big"), i + 6
        else:
            tag, kind = (first >> 2) & 0x0F, first & 0x03
            size = (1, 2, 4)[kind]
            length, start = int.from_bytes(data[i + 1:i + 1 + size], "big"), i + 1 + size
        out.append((tag, data[start:start + length]))
        i = start + length
    return out


def _mpi(value: bytes) -> bytes:
    value = value.lstrip(b"\0")
    bits = (len(value) - 1) * 8 + value[0].bit_length() if value else 0
    return bits.to_bytes(2, "big") + value


def _read_mpi(data: bytes, pos: int) -> tuple[bytes, int]:
    bits = int.from_bytes(data[pos:pos + 2], "big")
    size = (bits + 7) // 8
    return data[pos + 2:pos + 2 + size], pos + 2 + size


class DirectSigner:
    """Signs with the unprotected Ed25519 primary key of a demo GnuPG home."""

    def __init__(self, home: Path, fingerprint: str) -> None:
        raw = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback",
                              "--passphrase", "", "--export-secret-keys", fingerprint],
                             capture_output=True, check=True, env={**os.environ, "GNUPGHOME": str(home)}).stdout
        tag, body = _packets(raw)[0]
        if tag != 5 or body[0] != 4 or body[5] != 22:
            raise ValueError("not a v4 EdDSA secret key")
        pos = 6
        pos += 1 + body[pos]           # curve OID
        _, pos = _read_mpi(body, pos)  # public point
        if body[pos] != 0:
            raise ValueError("the secret key is protected")
        secret, _ = _read_mpi(body, pos + 1)
        self.key = Ed25519PrivateKey.from_private_bytes(secret.rjust(32, b"\0"))
        self.fingerprint = bytes.fromhex(fingerprint)

    def sign(self, data: bytes, when: int | None = None) -> bytes:
        """An armored detached binary-document signature over `data`."""
        created = int(when if when is not None else time.time())
        hashed_sub = (bytes([5, 2]) + created.to_bytes(4, "big")
                      + bytes([22, 33, 4]) + self.fingerprint)
        hashed = bytes([4, 0x00, 22, 8]) + len(hashed_sub).to_bytes(2, "big") + hashed_sub
        digest = hashlib.sha256(data + hashed + b"\x04\xff" + len(hashed).to_bytes(4, "big")).digest()
        sig = self.key.sign(digest)
        unhashed = bytes([9, 16]) + self.fingerprint[-8:]
        body = hashed + len(unhashed).to_bytes(2, "big") + unhashed + digest[:2] + _mpi(sig[:32]) + _mpi(sig[32:])
        packet = bytes([0xC2, len(body)]) if len(body) < 192 else \
            bytes([0xC2, ((len(body) - 192) >> 8) + 192, (len(body) - 192) & 0xFF])
        return armor(packet + body)


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
    text = base64.b64encode(packet).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    crc = base64.b64encode(_crc24(packet).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP SIGNATURE-----\n\n" + "\n".join(lines) + f"\n={crc}\n-----END PGP SIGNATURE-----\n").encode()
