"""Detached signatures checked in this process (Sequoia-PGP through pysequoia) against the
certificates of a GnuPG home, instead of a gpg process per signature or per batch.

It decides only the two plain cases, and says so with the same `Verification` gpg's path gives:
a good signature by a key of the keyring that is neither expired nor revoked (valid, primary
fingerprint, "good"), and a signature whose issuer is no key of the keyring ("no public key",
fingerprint None). Everything else (a failed check, an expired or revoked key, a policy Sequoia
has that gpg lacks, such as refusing SHA-1, an algorithm it does not know) returns None: the
caller asks gpg, so no verdict changes and the rare bad cases keep gpg's exact wording.

The certificates are exported once per process and per state of the keyring file (path, mtime,
size: importing, deleting or revoking a key changes it), and gpg's export kept in a cache file
beside the keyring for the next process.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repo_tools.identity.keys import Verification


@dataclass
class _Key:
    """One primary key or subkey as gpg lists it: whose it is and until when it may sign."""
    primary: str
    usable: bool  # not revoked, expired, disabled or invalid when the keyring was read
    expires: int | None  # seconds since the epoch, None for never

    def may_sign(self, now: float) -> bool:
        return self.usable and (self.expires is None or self.expires > now)


@dataclass
class Keyring:
    """The parsed certificates of one GnuPG home, by primary fingerprint, and all key ids."""
    certs: dict[str, Any] = field(default_factory=dict)  # primary fingerprint -> pysequoia Cert
    keys: dict[str, _Key] = field(default_factory=dict)  # fingerprint and 16-hex key id -> key


Identity = tuple[str, int, int, int, int]
_CACHE: dict[str, tuple[Identity, Keyring]] = {}
# Beside the keyring: gpg's export and listing of it, so that a hook's process need not run gpg
# twice to read certificates that have not changed (`_identity` says whether they still apply).
CACHE_FILE = "oa-certificates.cache"


def _identity(home: Path) -> Identity | None:
    """The keyring file's path, inode, mtime, ctime and size: a key imported, deleted or revoked
    changes them (ctime cannot be set back by hand, nor the path of a copied home kept)."""
    for name in ("pubring.kbx", "pubring.gpg"):
        path = home / name
        try:
            st = path.stat()
        except OSError:
            continue
        return (str(path), st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
    return None


def _gpg_output(home: Path, ident: Identity) -> tuple[bytes, bytes] | None:
    """(export, colon listing) of the keyring: from the cache file when it was written for this
    very state of the keyring, else from gpg (and the cache file written, where it can be)."""
    cache = home / CACHE_FILE
    try:
        blob = cache.read_bytes()
        head, _, rest = blob.partition(b"\n")
        meta = json.loads(head)
        if tuple(meta["identity"]) == ident and len(rest) == meta["export"] + meta["listing"]:
            return rest[:meta["export"]], rest[meta["export"]:]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    base = ["gpg", "--homedir", str(home), "--batch", "--no-tty"]
    export = subprocess.run([*base, "--export"], capture_output=True)
    listing = subprocess.run([*base, "--with-colons", "--fixed-list-mode", "--with-subkey-fingerprints",
                              "--list-keys"], capture_output=True)
    if export.returncode != 0 or listing.returncode != 0 or _identity(home) != ident:
        return None  # gpg failed, or the keyring changed while it ran: gpg judges this time
    header = json.dumps({"identity": ident, "export": len(export.stdout), "listing": len(listing.stdout)})
    try:
        fd, tmp = tempfile.mkstemp(prefix=".oa-cert", dir=home)
        with os.fdopen(fd, "wb") as out:
            out.write(header.encode() + b"\n" + export.stdout + listing.stdout)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home: read by gpg each process, still correct
    return export.stdout, listing.stdout


def keyring(home: str | Path) -> Keyring | None:
    """The certificates of `home`, read again only when its keyring file changed; None when
    there is no keyring or pysequoia is missing (then gpg decides everything)."""
    try:
        from pysequoia import Cert
    except ImportError:
        return None
    home = Path(home)
    ident = _identity(home)
    if ident is None:
        return None
    cached = _CACHE.get(str(home))
    if cached and cached[0] == ident:
        return cached[1]
    got = _gpg_output(home, ident)
    if got is None:
        return None
    export, listing = got
    ring = Keyring()
    try:
        certs = Cert.split_bytes(export) if export else []
    except Exception:  # noqa: BLE001 - a keyring Sequoia cannot read: gpg judges everything
        return None
    for cert in certs:
        ring.certs[cert.fingerprint.upper()] = cert
    primary = ""
    pending: tuple[bool, int | None] | None = None
    for line in listing.decode("utf-8", "replace").splitlines():
        f = line.split(":")
        if f[0] in ("pub", "sub"):
            # validity e/r/d/i/n: expired, revoked, disabled, invalid, not valid
            flags = f[11] if len(f) > 11 else ""
            pending = (f[1] not in ("e", "r", "d", "i", "n") and "D" not in flags,
                       int(f[6]) if len(f) > 6 and f[6].isdigit() else None)
            if f[0] == "pub":
                primary = ""
        elif f[0] == "fpr" and pending is not None and len(f) > 9:
            fpr = f[9].upper()
            primary = primary or fpr
            key = _Key(primary, *pending)
            ring.keys[fpr] = key
            ring.keys.setdefault(fpr[-16:], key)
            pending = None
    # A key gpg lists without a certificate Sequoia could parse: gpg judges its signatures.
    for fpr in [k for k, v in ring.keys.items() if v.primary not in ring.certs]:
        ring.keys[fpr] = _Key(ring.keys[fpr].primary, False, None)
    _CACHE[str(home)] = (ident, ring)
    return ring


def verify(ring: Keyring, data: bytes, packet: bytes) -> Verification | None:
    """`packet` (exactly one binary signature packet) over `data`, or None when gpg must say."""
    from pysequoia import Sig
    from pysequoia import verify as sq_verify
    try:
        sig = Sig.from_bytes(packet)
        kind = str(sig.signature_type)
        issuers = [i.upper() for i in (sig.issuer_fingerprint, sig.issuer_key_id) if i]
    except Exception:  # noqa: BLE001 - whatever Sequoia cannot read, gpg reads
        return None
    if not kind.endswith(("Binary", "Text")) or not issuers:
        return None
    found = [ring.keys[i] for i in issuers if i in ring.keys]
    if not found:
        return Verification(False, None, "no public key")
    key = found[0]
    now = time.time()
    primary = ring.keys.get(key.primary)
    if not key.may_sign(now) or primary is None or not primary.may_sign(now):
        return None
    cert = ring.certs[key.primary]
    try:
        result = sq_verify(bytes=data, store=lambda ids: [cert], signature=sig)
    except Exception:  # noqa: BLE001 - a bad signature, or one Sequoia's policy refuses: ask gpg
        return None
    valid = [v for v in result.valid_sigs if v.certificate.upper() == key.primary]
    if not valid:
        return None
    return Verification(True, key.primary, "good")
