"""C2SP signed-note, tlog-checkpoint and tlog-cosignature/v1, with Ed25519 from `cryptography`.

Hand-written because no maintained Python package implements these small text formats; the
Go reference (golang.org/x/mod/sumdb/note) is the model, and tests pin its known answers.

- A verifier key is `<name>+<hex key id>+<base64(type ‖ public key)>`; key id =
  SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]; type 0x01 signs notes (Ed25519), type 0x04
  makes cosignatures (tlog-cosignature/v1).
- A signer key is `PRIVATE+KEY+<name>+<hex key id>+<base64(type ‖ seed)>`.
- A note is text ending in a newline, a blank line, then lines `— <name> base64(key id ‖ sig)`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first used: the pre-receive hook loads this module, never signs
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014"  # the em dash that starts every signature line
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed key, note or checkpoint."""


def _key_id(name: str, alg: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c in name for c in " +\n\t") or not name.isprintable():
        raise NoteError(f"invalid key name {name!r}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"invalid base64: {exc}") from exc


@dataclass(frozen=True)
class Verifier:
    """A public key that can check note signatures (alg 0x01) or cosignatures (alg 0x04)."""
    name: str
    key_id: bytes
    alg: int
    public: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key must be name+keyid+key")
        name, hex_id, blob = parts
        _check_name(name)
        if len(hex_id) != 8:
            raise NoteError("key id must be 8 hex digits")
        try:
            key_id = bytes.fromhex(hex_id)
        except ValueError as exc:
            raise NoteError("key id must be hex") from exc
        raw = _unb64(blob)
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("unsupported key type")
        if _key_id(name, raw[0], raw[1:]) != key_id:
            raise NoteError("key id does not match the key")
        return cls(name, key_id, raw[0], raw[1:])

    def text(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([self.alg]) + self.public)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            return False


@dataclass(frozen=True)
class Signer:
    name: str
    alg: int
    seed: bytes

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        _check_name(name)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, alg, seed)

    @classmethod
    def parse(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("signer key must be PRIVATE+KEY+name+keyid+key")
        name, hex_id, blob = parts[2:]
        raw = _unb64(blob)
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("unsupported key type")
        signer = cls(name, raw[0], raw[1:])
        if signer.verifier.key_id.hex() != hex_id:
            raise NoteError("key id does not match the key")
        return signer

    @property
    def _private(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> Verifier:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, _key_id(self.name, self.alg, public), self.alg, public)

    def text(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{_b64(bytes([self.alg]) + self.seed)}"

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""
    name: str
    key_id: bytes
    data: bytes   # for a cosignature: 8-byte timestamp ‖ 64-byte signature

    def line(self) -> str:
        return f"{DASH} {self.name} {_b64(self.key_id + self.data)}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    @classmethod
    def parse(cls, message: str) -> Note:
        """Split a signed note into its text and signature lines (signatures not yet checked)."""
        if not message.endswith("\n"):
            raise NoteError("a note ends with a newline")
        split = message.rfind("\n\n")
        if split < 0:
            raise NoteError("a note has a blank line before its signatures")
        text, sigs = message[:split + 1], message[split + 2:]
        if "\r" in message or any(c != "\n" and not c.isprintable() for c in text):
            raise NoteError("a note's text holds printable characters and newlines only")
        lines = sigs[:-1].split("\n") if sigs else []
        if not lines or len(lines) > MAX_SIGNATURES:
            raise NoteError("a note has between 1 and 100 signatures")
        out = []
        for line in lines:
            if not line.startswith(DASH + " "):
                raise NoteError(f"not a signature line: {line[:40]!r}")
            try:
                name, blob = line[2:].split(" ")
            except ValueError as exc:
                raise NoteError("a signature line is '— name signature'") from exc
            _check_name(name)
            raw = _unb64(blob)
            if len(raw) < 5:
                raise NoteError("signature too short")
            out.append(Signature(name, raw[:4], raw[4:]))
        return cls(text, tuple(out))

    def encode(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def signed_by(self, verifier: Verifier) -> bool:
        """True when one of the signatures is a valid note signature by `verifier`."""
        return any(s.name == verifier.name and s.key_id == verifier.key_id
                   and verifier.alg == ALG_ED25519 and verifier.verify(self.text.encode(), s.data)
                   for s in self.signatures)

    def cosignature_by(self, verifier: Verifier) -> int | None:
        """The timestamp of a valid cosignature/v1 by `verifier`, or None."""
        for s in self.signatures:
            if s.name == verifier.name and s.key_id == verifier.key_id:
                got = check_cosignature(verifier, self.text, s)
                if got is not None:
                    return got
        return None

    def with_signature(self, signature: Signature) -> Note:
        """This note with `signature` added, replacing an earlier one by the same key."""
        kept = tuple(s for s in self.signatures
                     if not (s.name == signature.name and s.key_id == signature.key_id))
        return Note(self.text, kept + (signature,))


def sign_note(text: str, signer: Signer) -> Note:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    return Note(text, (Signature(signer.name, signer.verifier.key_id, signer.sign(text.encode())),))


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, signer: Signer, timestamp: int) -> Signature:
    """tlog-cosignature/v1: sign `cosignature/v1\\ntime <t>\\n` ‖ checkpoint text."""
    if signer.alg != ALG_COSIGNATURE_V1:
        raise NoteError("a cosigner key has type 0x04")
    sig = signer.sign(_cosigned_message(text, timestamp))
    return Signature(signer.name, signer.verifier.key_id, struct.pack(">Q", timestamp) + sig)


def check_cosignature(verifier: Verifier, text: str, signature: Signature) -> int | None:
    if verifier.alg != ALG_COSIGNATURE_V1 or len(signature.data) != 72:
        return None
    (timestamp,) = struct.unpack(">Q", signature.data[:8])
    return timestamp if verifier.verify(_cosigned_message(text, timestamp), signature.data[8:]) else None


@dataclass(frozen=True)
class Checkpoint:
    """The text of a C2SP tlog-checkpoint: origin, tree size, root hash."""
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0]:
            raise NoteError("a checkpoint is origin, size and root hash, one per line")
        size_text = lines[1]
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError("the tree size is a decimal number without leading zeros")
        root = _unb64(lines[2])
        if len(root) != 32:
            raise NoteError("the root hash is 32 bytes")
        return cls(lines[0], int(size_text), root)
