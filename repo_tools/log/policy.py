"""Which keys readers trust for the log, all from the registry (nothing from the server's
files): the log's verifier key `log/key.pub`, each unit's witness key `witnesses/<unit>.pub`,
and the city's `witness_quorum` (`log/settings.yaml`, default 2)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from repo_tools.git.repo import ObjectReader, clean_env, list_tree
from repo_tools.log import note

LOG_KEY = "log/key.pub"
SETTINGS = "log/settings.yaml"
WITNESSES = "witnesses/"
DEFAULT_QUORUM = 2


@dataclass
class LogPolicy:
    log_key: note.Verifier | None
    witnesses: dict[str, note.Verifier] = field(default_factory=dict)  # unit -> cosigner key
    quorum: int = DEFAULT_QUORUM

    def cosigners(self, signed: note.Note) -> dict[str, int]:
        """unit -> timestamp of every valid cosignature by a registered witness."""
        out = {}
        for unit, key in self.witnesses.items():
            stamp = signed.cosignature_by(key)
            if stamp is not None:
                out[unit] = stamp
        return out

    def witnessed(self, signed: note.Note) -> bool:
        return (self.log_key is not None and signed.signed_by(self.log_key)
                and len(self.cosigners(signed)) >= self.quorum)

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> LogPolicy:
        log_key = note.Verifier.parse(files[LOG_KEY].decode()) if LOG_KEY in files else None
        witnesses = {}
        for path, data in files.items():
            if path.startswith(WITNESSES) and path.endswith(".pub"):
                witnesses[path[len(WITNESSES):-4]] = note.Verifier.parse(data.decode())
        settings = yaml.safe_load(files.get(SETTINGS, b"") or b"{}") or {}
        quorum = int(settings.get("witness_quorum", DEFAULT_QUORUM))
        return cls(log_key, witnesses, max(1, quorum))


_CACHE: dict[tuple[str, str], LogPolicy] = {}


def load(registry_repo: Path, rev: str = "refs/heads/main") -> LogPolicy:
    """The log policy at the registry's `rev` (cached per registry commit)."""
    env = clean_env()
    listing = {**list_tree(registry_repo, rev, "log", env=env), **list_tree(registry_repo, rev, "witnesses", env=env)}
    key = (str(registry_repo), "|".join(f"{p}:{b}" for p, b in sorted(listing.items())))
    if key in _CACHE:
        return _CACHE[key]
    files: dict[str, bytes] = {}
    if listing:
        with ObjectReader(registry_repo, env=env) as reader:
            for path, blob in listing.items():
                files[path] = reader.blob(blob) or b""
    policy = LogPolicy.from_files(files)
    _CACHE[key] = policy
    return policy
