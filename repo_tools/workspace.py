"""A city's workspace (ARCHITECTURE.md "The city workspace"): where its repositories, keyrings,
log and site live.

Apart from `repo_tools.city` (which creates cities and registers units and people) so that
the server hook and every reader can name a city's paths without importing what writes to it;
the few methods that sign or log import their writers when called.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from repo_tools.messages import Refused, say

if TYPE_CHECKING:
    from repo_tools.git.repo import Signer
    from repo_tools.registry.records import Registry, Seal

AUTHORITY = "authority"


@dataclass(frozen=True)
class City:
    """Paths of one city's whole system."""
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> City:
        city = cls(Path(root).resolve())
        if not (city.root / "registry.git").is_dir():
            raise Refused("not-found", what=say("city.city.at.1"), name=str(root),
                          remedy=say("city.city.at.2"))
        return city

    @property
    def registry_repo(self) -> Path:
        return self.root / "registry.git"

    def unit_repo(self, unit: str) -> Path:
        return self.root / "units" / f"{unit}.git"

    def repositories(self) -> list[Path]:
        """The registry and every unit's bare repository there is (by name)."""
        return [self.registry_repo, *sorted((self.root / "units").glob("*.git"))]

    @property
    def server_gnupg(self) -> Path:
        return self.root / "server" / "gnupg"

    @property
    def server_config(self) -> Path:
        return self.root / "server" / "config.yaml"

    @property
    def log_file(self) -> Path:
        return self.root / "log" / "events.jsonl"

    def person_gnupg(self, user: str) -> Path:
        return self.root / "people" / user / "gnupg"

    def seal_gnupg(self, seal_id: str) -> Path:
        return self.root / "seals" / seal_id / "gnupg"

    @property
    def authority_gnupg(self) -> Path:
        return self.root / "authority" / "gnupg"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    def authority_fingerprint(self) -> str:
        return str(yaml.safe_load(self.server_config.read_text())["authority"])

    def registry(self) -> Registry:
        from repo_tools.registry.records import Registry
        return Registry.load(self.registry_repo)

    def log(self, event: str, **fields: object) -> dict:
        from repo_tools.log import eventlog
        return eventlog.append(self.log_file, event, **fields)

    # Signers ---------------------------------------------------------------------------
    def signer(self, user: str, registry: Registry | None = None) -> Signer:
        """The signer for a person whose private key lives in this city (demo and tests)."""
        from repo_tools.git.repo import Signer
        if user == AUTHORITY:
            return Signer(self.authority_gnupg, self.authority_fingerprint(), say("city.city.signer.1"),
                          "authority@oa.local")
        reg = registry or self.registry()
        person = reg.person(user)
        if person is None:
            raise Refused("not-found", what=say("city.city.signer.2"), name=user, remedy=say("city.city.signer.3"))
        key = person.current_key()
        if key is None:
            raise Refused("usage", detail=say("city.city.signer.4", user=user), remedy=say("city.city.signer.5"))
        return Signer(self.person_gnupg(user), key.fingerprint, person.name, person.email)

    def seal_signer(self, seal: Seal, unit_name: str) -> Signer:
        from repo_tools.git.repo import Signer
        return Signer(self.seal_gnupg(seal.id), seal.key.fingerprint, say("city.city.seal_signer.1", unit_name=unit_name),
                      f"seal-{seal.unit}@oa.local")

    def gnupg_homes(self) -> list[Path]:
        homes = [self.server_gnupg, self.authority_gnupg]
        for base in (self.root / "people", self.root / "seals"):
            if base.is_dir():
                homes += [d / "gnupg" for d in base.iterdir() if (d / "gnupg").is_dir()]
        return homes

    def stop_agents(self) -> None:
        """Stop every gpg-agent started for this city's keyrings."""
        from repo_tools.identity import keys
        for home in self.gnupg_homes():
            keys.stop_agent(home)

    def open_unit_repo(self, unit_id: str) -> Path:
        """The new unit's repository, ready for its first commit. The service creates it when
        the registry push that adds the unit is accepted (`server.provision`); a city reached by
        path that has none yet (no post-receive ran) gets it here."""
        from repo_tools.city import _install_hooks, _new_bare
        repo = self.unit_repo(unit_id)
        if not (repo / "config").is_file():
            _new_bare(repo)
            _install_hooks(repo, self, "unit", unit_id)
        return repo

    # Registry changes --------------------------------------------------------------------
    def change_registry(self, actor: str, changes: dict[str, bytes | None], message: str) -> str:
        """A signed commit on the registry by `actor`, pushed through the registry's hook."""
        from repo_tools.git.repo import commit_and_push
        return commit_and_push(self.registry_repo, self.signer(actor), changes, message)


__all__ = ["AUTHORITY", "City"]
