"""A served city as a person's machine sees it: no file of the server, only what SSH gives them.

`oa clone ssh://oa@HOST[:PORT]/UNIT DIR --as USER` keeps, inside the clone's `.git/oa-city/`,
a small city of mirrors that every `oa` command reads like a city directory:

    registry.git        mirror of the registry (every registered person reads it)
    units/<unit>.git    mirror of the person's own unit
    server/gnupg/       a keyring of the registry's public keys (signatures are checked with it)
    server/config.yaml  the authority's fingerprint: the signer of the registry's first commit
    log/                the published log (`oa-log since ...` over the same SSH): events.jsonl,
                        the checkpoint with its cosignatures, the kept cosigned checkpoints and
                        the tiles, fetched as far as the clone lacks them (`log/published.py`)

Each mirror names the server in `oa.upstream`; `gitrepo.push` sends pushes there (signed, with a
push certificate, through the person's gpg-agent) and fetches the result back. Signing keys are
the person's own GnuPG home (a seal custodian holds the seal's key there too).
"""
from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from repo_tools.city import City, refresh_server_keyring
from repo_tools.git.repo import clean_env, git
from repo_tools.messages import Refused, say
from repo_tools.server.layout import REGISTRY_REPO

URL = re.compile(r"^ssh://(?:(?P<account>[a-z_][a-z0-9_-]*)@)?(?P<host>[A-Za-z0-9.:\[\]-]+?)"
                 r"(?::(?P<port>\d+))?/(?P<unit>[a-z][a-z0-9-]*?)(?:\.git)?/?$")
SETTINGS = "oa-remote.yaml"


@dataclass(frozen=True)
class ServerAddress:
    account: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> tuple[ServerAddress, str]:
        match = URL.match(url)
        if not match:
            raise Refused("clone-url", url=url)
        return cls(match["account"] or "oa", match["host"], int(match["port"] or 22)), match["unit"]

    def url(self, repo: str) -> str:
        return f"ssh://{self.account}@{self.host}:{self.port}/{repo}"

    def ssh_command(self, known_hosts: str | None = None) -> str:
        parts = ["ssh", "-p", str(self.port), "-o", "BatchMode=yes"]
        if known_hosts:
            parts += ["-o", f"UserKnownHostsFile={known_hosts}"]
        return " ".join(parts)


@dataclass(frozen=True)
class RemoteCity(City):
    """A city of mirrors (see the module docstring); signing keys live in `gnupghome`."""
    gnupghome: Path = Path()
    ssh: str = "ssh"

    def person_gnupg(self, user: str) -> Path:
        return self.gnupghome

    def seal_gnupg(self, seal_id: str) -> Path:
        return self.gnupghome

    def stop_agents(self) -> None:
        """The person's agent is theirs: it keeps running."""

    def log(self, event: str, **fields: object) -> dict:
        """The server logs every push itself, and the events a command carries with its push
        (`log/carried.py`); a person cannot write the city's log."""
        return {"event": event, **fields}

    def open_unit_repo(self, unit_id: str) -> Path:
        """The service created the unit's repository when the registry push was accepted; the
        e-gov admin mirrors it (writable for them until its first `main`) for the first commit."""
        address = _address(_settings(self.root))
        # Not added to the synced units: the admin's access ends with the first commit.
        _mirror(self, address, unit_id, self.unit_repo(unit_id))
        return self.unit_repo(unit_id)


def _settings(root: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((root / SETTINGS).read_text()) or {})


def _address(settings: dict[str, Any]) -> ServerAddress:
    return ServerAddress(settings["account"], settings["host"], int(settings["port"]))


def _remote_city(root: Path, settings: dict[str, Any]) -> RemoteCity:
    return RemoteCity(root.resolve(), gnupghome=Path(settings["gnupghome"]), ssh=settings["ssh"])


def _service_command(city: RemoteCity, address: ServerAddress, command: str) -> list[str]:
    """The argv that runs one of the service's own commands (`oa-log ...`, server/shell.py)
    over the person's SSH, with their agent (run it with `_ssh_env`)."""
    return ["sh", "-c", f"{city.ssh} -p {address.port} {address.account}@{address.host} '{command}'"]


def _ssh_env(city: RemoteCity) -> dict[str, str]:
    """The person's environment with their GnuPG home: its agent serves the SSH key."""
    return {**os.environ, "GNUPGHOME": str(city.gnupghome)}


def _env(city: RemoteCity) -> dict[str, str]:
    return clean_env({"GNUPGHOME": str(city.gnupghome)})


def _mirror(city: RemoteCity, address: ServerAddress, repo: str, target: Path) -> None:
    env = _env(city)
    url = address.url(repo)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        git("-c", f"core.sshCommand={city.ssh}", "clone", "-q", "--mirror", url, str(target), env=env)
        git("config", "oa.upstream", url, cwd=target, env=env)
        git("config", "core.sshCommand", city.ssh, cwd=target, env=env)
    else:
        git("-c", f"core.sshCommand={city.ssh}", "fetch", "-q", "--prune", url, "+refs/*:refs/*",
            cwd=target, env=env)


def _authority(city: RemoteCity) -> str:
    """The signer of the registry's first commit (made by `oa init` with the authority key)."""
    env = clean_env({"GNUPGHOME": str(city.server_gnupg)})
    first = git("rev-list", "--max-parents=0", "refs/heads/main", cwd=city.registry_repo, env=env).split()[-1]
    return git("log", "-1", "--format=%GP", first, cwd=city.registry_repo, env=env).strip()


def sync(root: str | Path) -> RemoteCity:
    """Bring the mirrors, the keyring and the log up to date; return the city to act on."""
    root = Path(root)
    settings = _settings(root)
    address = _address(settings)
    city = _remote_city(root, settings)
    for sub in ("units", "log", "server"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    # Each fetch is its own SSH connection (key exchange, the service's shell, gitolite): about
    # 0.3 s each even on one machine. They are independent, so they run side by side; every one
    # has ended (and a failure is raised) before the keyring is refreshed from the registry.
    with ThreadPoolExecutor(max_workers=2 + len(settings.get("units", []))) as pool:
        fetches: list[Future[Any]] = [pool.submit(_mirror, city, address, REGISTRY_REPO, city.registry_repo)]
        fetches += [pool.submit(_mirror, city, address, unit, city.unit_repo(unit))
                    for unit in settings.get("units", [])]
        fetches.append(pool.submit(sync_log, city, address))
    for fetch in fetches:
        fetch.result()
    refresh_server_keyring(city)
    if not city.server_config.exists():
        city.server_config.write_text(yaml.safe_dump({"authority": _authority(city)}))
    return city


def sync_log(city: RemoteCity, address: ServerAddress | None = None) -> list[str]:
    """Bring the clone's copy of the published log up to date: only what it lacks (the new
    lines, the checkpoint, new cosigned checkpoints, changed tiles; `log/published.py`).
    Verification checks all of it with the registry's keys; nothing here is trusted yet.
    Returns what changed; a service that cannot answer leaves the copy as it was."""
    from repo_tools.log import published
    address = address or _address(_settings(city.root))
    log_root = city.log_file.parent
    # stderr is not read (a failure leaves the copy as it was): DEVNULL, so that a service that
    # wrote much to it could never block on a full pipe while this side reads stdout.
    proc = subprocess.Popen(_service_command(city, address, published.have(log_root).command()),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=_ssh_env(city))
    assert proc.stdout is not None
    try:
        changed = published.fetch_into(log_root, proc.stdout)
    except (published.PublishedError, OSError, EOFError, ValueError):
        changed = []
    finally:
        proc.stdout.close()
        proc.wait()
    if "events.jsonl" in changed:
        from repo_tools.log import store
        # The copy's derived tree and object index (never published tiles or a checkpoint: the
        # clone holds no log key), so trusted times and quorum checks see the new entries.
        store.update(city.log_file)
    return changed if proc.returncode == 0 else []


def submit_cosignature(root: Path, unit: str, signed: str) -> None:
    """Hand a witness's cosignature (the checkpoint with it alone, a signed note) to the
    service, which checks it against the registry and publishes it (`server/shell.py`), then
    bring the clone's copy of the log up to date. Raises Refused when the service refuses."""
    settings = _settings(root)
    address = _address(settings)
    city = _remote_city(root, settings)
    proc = subprocess.run(_service_command(city, address, f"oa-log cosign {unit}"), input=signed.encode("utf-8"),
                          capture_output=True, env=_ssh_env(city))
    if proc.returncode != 0:
        said = [rule for rule in ("cosignature-stale", "cosignature-replayed") if rule.encode() in proc.stderr]
        raise Refused(said[0] if said else "cosignature-invalid", unit=unit)
    sync_log(city, address)


def prepare(root: str | Path, url: str, gnupghome: Path, ssh: str, units: list[str]) -> RemoteCity:
    """Write the mirror city's settings and fetch everything once."""
    root = Path(root)
    address, _ = ServerAddress.parse(url)
    root.mkdir(parents=True, exist_ok=True)
    (root / SETTINGS).write_text(yaml.safe_dump({
        "account": address.account, "host": address.host, "port": address.port,
        "gnupghome": str(gnupghome), "ssh": ssh, "units": units}))
    return sync(root)


def is_remote(root: Path) -> bool:
    return (root / SETTINGS).is_file()


def clone_over_ssh(url: str, directory: str | Path, user: str, gnupghome: Path | None = None) -> Path:
    """`oa clone ssh://...`: a working clone that signs commits, tags and pushes as `user` with
    their own key, and reaches the server through their gpg-agent's SSH socket."""
    from repo_tools.git.clone import REVIEWS_FETCH, equip, working_settings
    from repo_tools.server.identity import agent_ssh_socket
    address, unit = ServerAddress.parse(url)
    home = Path(gnupghome or os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
    base = os.environ.get("GIT_SSH_COMMAND") or "ssh"
    ssh = f"SSH_AUTH_SOCK={agent_ssh_socket(home)} {base}"
    target = Path(directory).resolve()
    if target.exists() and any(target.iterdir()):
        raise Refused("exists", what=say("server.remote.clone_over_ssh.1"), name=str(target))
    env = clean_env({"GNUPGHOME": str(home)})
    git("-c", f"core.sshCommand={ssh}", "clone", "-q", address.url(unit), str(target), env=env)
    city = prepare(target / ".git" / "oa-city", url, home, ssh, [unit])
    signer = city.signer(user)
    settings = {**working_settings(signer, target / ".git" / "oa-gpg", city.root, user, unit),
                "core.sshCommand": ssh, "oa.remote": address.url(unit),
                "remote.origin.fetch": "+refs/heads/*:refs/remotes/origin/*"}
    for key, value in settings.items():
        git("config", key, value, cwd=target, env=env)
    git("config", "--add", "remote.origin.fetch", REVIEWS_FETCH, cwd=target, env=env)
    equip(target, home)
    return target
