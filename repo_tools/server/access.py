"""gitolite's rules and keys, generated from the registry (never edited by hand).

After every accepted registry push (the registry's post-receive, as the service account) and
after a lock-out, `refresh` rewrites gitolite's conf and keydir and compiles them, so a person
who is disabled, locked, removed or whose certificate is revoked loses SSH access in that push:

- members of a unit read and write their own unit's repository (the hooks decide what lands);
- nobody else reaches that repository: a delivery crosses units only through the service;
- every active registered person reads the registry; the e-gov office's admins write it;
- the repository of a unit that was merged or deregistered is read (never written) by the
  members of the unit holding its archives (`lifecycle.repository_readers`, Art. 9).

Access is data compiled from one config, as gitolite intends; nothing of the regulation lives
in the access layer but who belongs where.
"""
from __future__ import annotations

import os
import pwd
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from repo_tools import timeutil
from repo_tools.identity import keys, lockout
from repo_tools.messages import say
from repo_tools.registry.records import Person, Registry
from repo_tools.server.layout import ADMIN_NAME, GITOLITE_SHELL, REGISTRY_REPO, RESERVED, ServiceLayout


@dataclass(frozen=True)
class Access:
    """Who may reach what: ssh keys by person, groups by unit, and the registry's writers."""
    ssh_keys: dict[str, str]          # person id -> OpenSSH public key line
    unit_members: dict[str, list[str]]
    registry_writers: list[str]
    readers: dict[str, list[str]] = field(default_factory=dict)   # unit -> who reads it only


def can_connect(person: Person, root: Path, now_iso: str | None = None) -> bool:
    """Active, not locked out, with a current certificate valid now (Art. 14, 25)."""
    if person.status != "active" or lockout.is_locked(root, person.id):
        return False
    key = person.current_key()
    return key is not None and key.valid_at(timeutil.parse(now_iso) or timeutil.now())


def compute(registry: Registry, root: Path, keyring: Path) -> Access:
    """The access rules the registry implies now."""
    ssh_keys: dict[str, str] = {}
    for person in sorted(registry.people.values(), key=lambda p: p.id):
        if not can_connect(person, root):
            continue
        key = person.current_key()
        assert key is not None
        line = keys.ssh_public_key(keyring, key.fingerprint)
        if line:  # a key without an authentication subkey gives no SSH access
            ssh_keys[person.id] = " ".join(line.split()[:2]) + f" {person.id}"
    members: dict[str, list[str]] = {}
    readers: dict[str, list[str]] = {}
    for unit in sorted(registry.units.values(), key=lambda u: u.id):
        if unit.id in RESERVED:
            continue
        if unit.status == "active":
            members[unit.id] = [p.id for p in registry.members(unit.id) if p.id in ssh_keys]
            continue
        readers[unit.id] = holders_of(registry, unit.id, ssh_keys)
    writers = [p for p in ssh_keys if registry.is_egov_admin(p)]
    return Access(ssh_keys, members, writers, readers)


def holders_of(registry: Registry, unit_id: str, ssh_keys: dict[str, str]) -> list[str]:
    """Who reads a merged or deregistered unit's repository: the members of the units that
    hold its archives (a unit, or the archives when it is a registered unit)."""
    from repo_tools.lifecycle import repository_readers
    holders = [u for u in repository_readers(registry, unit_id) if u != unit_id]
    return sorted(p.id for u in holders for p in registry.members(u) if p.id in ssh_keys)


def conf_text(access: Access, units_with_repo: list[str], without_main: frozenset[str] = frozenset()) -> str:
    """gitolite.conf for these rules. Empty groups are left out (gitolite warns about them).
    A unit repository the service has just created (`without_main`) is also written by the
    e-gov admins, for the unit's first signed commit (`oa unit add`); its first `main` ends that."""
    lines = [say("server.access.conf_text.1"), "",
             "repo gitolite-admin", f"    RW+ = {ADMIN_NAME}", ""]
    readers = sorted(access.ssh_keys)
    lines += [f"repo {REGISTRY_REPO}"]
    if access.registry_writers:
        lines.append(f"    RW+ = {' '.join(sorted(access.registry_writers))}")
    if readers:
        lines.append(f"    R   = {' '.join(readers)}")
    lines.append("")
    for unit in units_with_repo:
        people = list(access.unit_members.get(unit, []))
        if unit in without_main:
            people += [w for w in access.registry_writers if w not in people]
        lines.append(f"repo {unit}")
        if people:
            lines.append(f"    RW+ = {' '.join(people)}")
        if access.readers.get(unit):  # the archives' holders: read only (the hook refuses pushes too)
            lines.append(f"    R   = {' '.join(access.readers[unit])}")
        lines.append("")
    return "\n".join(lines)


def account_env(layout: ServiceLayout) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GL_"))}
    env.update(HOME=str(layout.home), LANG="C.UTF-8",
               PATH="/usr/local/bin:/usr/bin:/bin:/usr/share/gitolite3")
    return env


def run_as(account: str, args: list[str], layout: ServiceLayout, check: bool = True,
           input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a command as the service account (directly when we already are it)."""
    env = account_env(layout)
    if os.geteuid() == 0 and pwd.getpwnam(account).pw_uid != 0:
        args = ["/usr/sbin/runuser", "-u", account, "--", "env", *[f"{k}={v}" for k, v in env.items()
                                                         if k in ("HOME", "LANG", "PATH")], *args]
    proc = subprocess.run(args, env=env, capture_output=True, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[-4:])}: {proc.stderr.decode('utf-8', 'replace')[-600:]}")
    return proc


def link_repositories(root: Path, layout: ServiceLayout, registry: Registry) -> list[str]:
    """gitolite's repositories are the city's: `repositories/<unit>.git` and `registry.git` are
    symlinks into the city, so the city keeps its layout and gitolite its naming. Returns the
    units that have a repository."""
    layout.repositories.mkdir(parents=True, exist_ok=True)
    wanted = {REGISTRY_REPO: root / "registry.git"}
    for unit in registry.units:
        repo = root / "units" / f"{unit}.git"
        if unit not in RESERVED and repo.is_dir():
            wanted[unit] = repo
    for name, target in wanted.items():
        link = layout.repositories / f"{name}.git"
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.is_symlink():
            link.unlink()
        if not link.exists():
            link.symlink_to(target)
    return sorted(n for n in wanted if n != REGISTRY_REPO)


def install_shell(layout: ServiceLayout) -> None:
    """Point gitolite's forced commands at our wrapper (Git only, Chinese refusals)."""
    text = layout.authorized_keys.read_text() if layout.authorized_keys.exists() else ""
    wrapped = text.replace(f'command="{GITOLITE_SHELL} ', f'command="{layout.shell_script} ')
    if wrapped != text:
        layout.authorized_keys.write_text(wrapped)


def refresh(root: Path, registry: Registry | None = None) -> Access | None:
    """Regenerate gitolite's conf and keydir from the registry and compile; None when the city
    is not served (the embedded demo and most tests reach the repositories by path)."""
    layout = ServiceLayout(root)
    settings = layout.settings()
    if not settings:
        return None
    account = str(settings["account"])
    registry = registry or Registry.load(root / "registry.git")
    access = compute(registry, root, root / "server" / "gnupg")
    units = link_repositories(root, layout, registry)
    layout.keydir.mkdir(parents=True, exist_ok=True)
    wanted = {f"{person}.pub": f"{line}\n" for person, line in access.ssh_keys.items()}
    admin_pub = (layout.home / ".ssh" / f"{ADMIN_NAME}.pub").read_text()
    wanted[f"{ADMIN_NAME}.pub"] = admin_pub
    for old in layout.keydir.glob("*.pub"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        path = layout.keydir / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    layout.gitolite_conf.parent.mkdir(parents=True, exist_ok=True)
    from repo_tools.git.repo import clean_env, rev_parse
    without_main = frozenset(u for u in units if rev_parse(root / "units" / f"{u}.git", "refs/heads/main",
                                                           env=clean_env()) is None)
    layout.gitolite_conf.write_text(conf_text(access, units, without_main))
    run_as(account, ["gitolite", "compile"], layout)
    run_as(account, ["gitolite", "trigger", "POST_COMPILE"], layout)
    install_shell(layout)
    return access


REPO_ARG = re.compile(r"^'/?([A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.git)?/?'$")


def main(argv: list[str]) -> int:
    """`python -m repo_tools.server.access CITY`: refresh, as the service account."""
    refresh(Path(argv[0]).resolve())
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
