"""OpenPGP keys through python-gnupg: Ed25519 key generation, import/export, detached
signatures and their verification against one named keyring (never the caller's default)."""
from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gnupg

from repo_tools.messages import say

# A Unix socket path longer than this fails (sun_path is 108 bytes with the NUL).
MAX_SOCKET_PATH = 107


class KeyError_(RuntimeError):
    """A key operation failed (generation, import, signing)."""


def keyring(home: str | Path) -> gnupg.GPG:
    """A python-gnupg handle bound to one GnuPG home, speaking UTF-8 (names are Chinese)."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    if len(str(home / "S.gpg-agent.browser")) > MAX_SOCKET_PATH:
        raise KeyError_(say("identity.keys.keyring.1", home=home))
    return _handle(str(home))


@functools.lru_cache(maxsize=256)
def _handle(home: str) -> gnupg.GPG:
    """One handle per home: making one runs `gpg --version`, which doubled the cost of checking a
    signature (a site build checks thousands). python-gnupg is imported here, not at the top: the
    server hook checks its signatures with one gpg run (`openpgp.batch`) and never needs it."""
    import gnupg
    gpg = gnupg.GPG(gnupghome=home)
    gpg.encoding = "utf-8"
    return gpg


@dataclass(frozen=True)
class Verification:
    """Outcome of checking one signature: whether it is cryptographically good, and by which key."""
    valid: bool
    fingerprint: str | None  # primary key fingerprint of the signer
    status: str

    @property
    def key_known(self) -> bool:
        return self.fingerprint is not None


def generate(home: str | Path, name: str, email: str) -> str:
    """Create an Ed25519 signing key without passphrase in `home`; return its fingerprint.

    Demo and tests only: in production a person makes their own key on their own machine.
    """
    gpg = keyring(home)
    # The authentication subkey is the person's SSH key (gpg-agent serves it): one identity.
    spec = gpg.gen_key_input(key_type="EDDSA", key_curve="ed25519", key_usage="sign",
                             subkey_type="EDDSA", subkey_curve="ed25519", subkey_usage="auth",
                             name_real=name, name_email=email, expire_date=0, no_protection=True)
    result = gpg.gen_key(spec)
    if not result.fingerprint:
        raise KeyError_(say("identity.keys.generate.1", stderr=result.stderr[-400:]))
    return str(result.fingerprint)


def add_encryption_subkey(home: str | Path, fingerprint: str) -> None:
    """Add a Curve25519 encryption subkey (a person's full key: sign, auth, encrypt)."""
    keyring(home)
    proc = subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                           "--quick-add-key", fingerprint, "cv25519", "encr", "0"],
                          env={**os.environ, "GNUPGHOME": str(home)}, capture_output=True)
    if proc.returncode != 0:
        raise KeyError_(say("identity.keys.add_encryption_subkey.1",
                            stderr_decode=proc.stderr.decode('utf-8', 'replace')[-400:]))


def capabilities_in(armored: str) -> set[str]:
    """Usable capabilities (s, a, e, c) of an armored public key and its subkeys, not imported."""
    proc = subprocess.run(["gpg", "--batch", "--with-colons", "--import-options", "show-only",
                           "--import"], input=armored.encode(), capture_output=True)
    found: set[str] = set()
    for line in proc.stdout.decode().splitlines():
        fields = line.split(":")
        if fields[0] in ("pub", "sub") and len(fields) > 11 and fields[1] not in ("r", "e", "d", "i"):
            found |= set(fields[11].lower())
    return found


def ssh_public_key(home: str | Path, fingerprint: str) -> str | None:
    """The OpenSSH line of the key's authentication subkey (`gpg --export-ssh-key`), or None."""
    proc = subprocess.run(["gpg", "--batch", "--export-ssh-key", fingerprint],
                          env={**os.environ, "GNUPGHOME": str(home)}, capture_output=True)
    line = proc.stdout.decode().strip()
    return line if proc.returncode == 0 and line.startswith(("ssh-", "ecdsa-")) else None


def auth_keygrip(home: str | Path, fingerprint: str) -> str | None:
    """The keygrip of the key's authentication subkey (for gpg-agent's `sshcontrol`)."""
    proc = subprocess.run(["gpg", "--batch", "--with-colons", "--with-keygrip", "--list-keys",
                           fingerprint], env={**os.environ, "GNUPGHOME": str(home)}, capture_output=True)
    auth = False
    for line in proc.stdout.decode().splitlines():
        fields = line.split(":")
        if fields[0] in ("pub", "sub"):
            auth = len(fields) > 11 and "a" in fields[11] and fields[1] not in ("r", "e")
        elif fields[0] == "grp" and auth:
            return fields[9]
    return None


def export_public(home: str | Path, fingerprint: str) -> str:
    armored = keyring(home).export_keys(fingerprint)
    if not armored:
        raise KeyError_(say("identity.keys.export_public.1", fingerprint=fingerprint))
    return str(armored)


def export_secret(home: str | Path, fingerprint: str) -> str:
    return str(keyring(home).export_keys(fingerprint, secret=True, expect_passphrase=False))


def import_keys(home: str | Path, armored: str) -> list[str]:
    """Import armored key material; return the primary fingerprints it held."""
    result = keyring(home).import_keys(armored)
    fprs = sorted({f for f in result.fingerprints if f})
    if not fprs:
        raise KeyError_(say("identity.keys.import_keys.1"))
    return fprs


def fingerprints_in(armored: str) -> list[str]:
    """Primary fingerprints of armored public keys, without importing them anywhere."""
    proc = subprocess.run(["gpg", "--batch", "--with-colons", "--import-options", "show-only",
                           "--import"], input=armored.encode(), capture_output=True)
    out: list[str] = []
    expect_fpr = False
    for line in proc.stdout.decode().splitlines():
        fields = line.split(":")
        if fields[0] == "pub":
            expect_fpr = True
        elif fields[0] == "fpr" and expect_fpr:
            out.append(fields[9])
            expect_fpr = False
    return out


def sign_detached(home: str | Path, fingerprint: str, data: bytes) -> str:
    """An armored detached signature over `data` by the key `fingerprint`."""
    sig = keyring(home).sign(data, keyid=fingerprint, detach=True, binary=False)
    if not sig.data:
        raise KeyError_(say("identity.keys.sign_detached.1", stderr=sig.stderr[-400:]))
    return sig.data.decode()


def verify_detached(home: str | Path, data: bytes, signature: bytes | str) -> Verification:
    """Check `signature` over `data` with the keyring in `home` only: in this process when the
    case is plain (`openpgp.inprocess`), else by gpg, whose verdicts those match."""
    from repo_tools.openpgp import batch, inprocess
    raw = signature.encode() if isinstance(signature, str) else signature
    got = batch.in_process(inprocess.keyring(home), data, raw)
    return got if got is not None else verify_detached_gpg(home, data, signature)


def verify_detached_gpg(home: str | Path, data: bytes, signature: bytes | str) -> Verification:
    """Check `signature` over `data` with the keyring in `home` only, by gpg (python-gnupg)."""
    import tempfile
    gpg = keyring(home)
    if isinstance(signature, str):
        signature = signature.encode()
    with tempfile.NamedTemporaryFile(suffix=".asc") as sigfile:
        sigfile.write(signature)
        sigfile.flush()
        result = gpg.verify_data(sigfile.name, data)
    fpr = getattr(result, "pubkey_fingerprint", None) or None
    if not result.valid:
        # An unknown key yields NO_PUBKEY: keep the key id out of `fingerprint` on purpose.
        return Verification(False, fpr if fpr and result.status != "no public key" else None,
                            str(result.status or "invalid"))
    return Verification(True, fpr, "good")


def stop_agent(home: str | Path) -> None:
    """Stop the gpg-agent this GnuPG home started, so nothing is left running."""
    if Path(home).is_dir():
        subprocess.run(["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(home)},
                       capture_output=True)
