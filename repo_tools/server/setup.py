"""`oa server setup CITY` (as root): make a city a service that people cannot bypass.

1. a system account (default `oa`) owns the city, mode 0700: no person's account reads any file;
2. the private keys of people and seals made here (demo) leave the city for their owners;
3. the hooks get an interpreter the account can run: a venv of Debian's /usr/bin/python3 under
   `CITY/server/venv` with the project's code copied to `CITY/server/app` (the developer's venv
   links into /root/.pyenv, which no other account may enter);
4. gitolite3 is installed for the account with the service's own admin key; its repositories
   are symlinks into the city; our pre-receive/post-receive are its common hooks (LOCAL_CODE)
   next to its own update hook; `receive.certNonceSeed` stays in each repository's config and
   is allowed through GIT_CONFIG_KEYS;
5. the city's own sshd: its own host key, port, listen address, pid file, gitolite's
   authorized_keys, keys only, no forwarding, no PTY; every key's forced command is our shell.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import site
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from repo_tools.city import PROJECT_HOOKS, City
from repo_tools.git.repo import clean_env, git
from repo_tools.hook.client import wanted_at_install
from repo_tools.identity import keys
from repo_tools.messages import Refused, say
from repo_tools.server import access
from repo_tools.server.layout import ADMIN_NAME, ServiceLayout

DEBIAN_PYTHON = "/usr/bin/python3"
SSHD = "/usr/sbin/sshd"
# Not needed by the hooks and large, or tied to the developer's install: left out of the copy.
# pagefind (and its binary) stays: the service builds the site (server/publish.py).
SKIP_PACKAGES = ("playwright", "pip", "setuptools", "_pytest", "pytest", "xdist",
                 "pluggy", "iniconfig", "__editable__", "repo_tools", "distutils-precedence.pth",
                 "_distutils_hack", "pkg_resources", "wheel")


def require_root(action: str) -> None:
    if os.geteuid() != 0:
        raise Refused("server-root", action=action)


def require_packages() -> None:
    missing = [(name, pkg) for name, pkg in ((SSHD, "openssh-server"), ("/usr/bin/gitolite", "gitolite3"),
                                            (DEBIAN_PYTHON, "python3-venv"))
               if not Path(name).exists()]
    if missing:
        raise Refused("server-missing-package", names="、".join(n for n, _ in missing),
                      packages=" ".join(p for _, p in missing))


def ensure_account(account: str, home: Path) -> pwd.struct_passwd:
    """A system account with its home in the city; password field '*' (no password, not locked:
    sshd refuses every login of a locked '!' account)."""
    try:
        pwd.getpwnam(account)
        subprocess.run(["usermod", "-d", str(home), account], check=True, capture_output=True)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", str(home),
                        "--shell", "/bin/sh", "--comment", "OA city service", account],
                       check=True, capture_output=True)
    subprocess.run(["usermod", "-p", "*", account], check=True, capture_output=True)
    return pwd.getpwnam(account)


def hand_over_private_keys(city: City, target: Path) -> list[str]:
    """Move the GnuPG homes of people and seals out of the city (the server keeps none)."""
    moved: list[str] = []
    for kind in ("people", "seals"):
        base = city.root / kind
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            home = entry / "gnupg"
            if not home.is_dir():
                continue
            keys.stop_agent(home)
            dest = target / kind / entry.name
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if dest.exists():
                shutil.rmtree(dest)
            shutil.move(str(entry), str(dest))
            moved.append(f"{kind}/{entry.name}")
    if target.exists():
        os.chmod(target, 0o700)
    return moved


def _site_packages() -> Path:
    for candidate in site.getsitepackages():
        if Path(candidate, "yaml").is_dir() or Path(candidate, "gnupg.py").exists():
            return Path(candidate)
    raise RuntimeError(say("server.setup._site_packages.1"))


def _runtime_files(source: Path) -> list[Path] | None:
    """The files under `source` (site-packages) of the libraries the project runs with: its
    requirements, theirs, with the extras each names (`pagefind[extended]` brings its binary),
    never the developer's tools (mypy, ruff, pytest, playwright: half the venv). None when a
    library has no RECORD to say which files are its own."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name as key

    seen: set[tuple[str, frozenset[str]]] = set()
    copied: set[str] = {"repo-tools"}  # the project's own code is copied beside (oa-app.pth)
    files: list[Path] = []
    todo: list[tuple[str, frozenset[str]]] = [("repo_tools", frozenset())]
    while todo:
        name, extras = todo.pop()
        if (key(name), extras) in seen:
            continue
        seen.add((key(name), extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a requirement of another platform or Python (its marker said so too)
        if key(name) not in copied:
            if dist.files is None:
                return None
            copied.add(key(name))
            files += [Path(str(rel)) for rel in dist.files  # with their compiled modules
                      if not str(rel).startswith("..") and (source / str(rel)).is_file()]
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
                todo.append((req.name, frozenset(req.extras)))
    return files


def _debian_python_version() -> str:
    return subprocess.run([DEBIAN_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def install_interpreter(venv: Path, app: Path) -> Path:
    """The hooks' interpreter: a venv of Debian's python3 with the project's code and its
    libraries. Libraries are copied from this interpreter when the minor versions agree (same
    ABI, no network), else installed by pip. Also used for a person's own `oa` (tests).
    Returns the interpreter."""
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True)
    version = _debian_python_version()
    target = venv / "lib" / f"python{version}" / "site-packages"
    if app.exists():
        shutil.rmtree(app)
    package = Path(__file__).resolve().parent.parent
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(package, app / "repo_tools", ignore=ignore)
    from repo_tools.resources import PARTS, project_path
    for part in PARTS:  # hooks, templates, sample content: beside the package, as in a checkout
        source = project_path(part)
        if source.is_dir():
            shutil.copytree(source, app / part, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, app / part)
    (target / "oa-app.pth").write_text(f"{app}\n")
    write_distribution(target)
    if version == "{}.{}".format(*sys.version_info[:2]):
        source = _site_packages()
        files = _runtime_files(source)
        if files is None:  # a library without a RECORD of its files: copy what is there
            for entry in source.iterdir():
                if entry.name.startswith(SKIP_PACKAGES) or entry.name in ("__pycache__",):
                    continue
                dest = target / entry.name
                if entry.is_dir():
                    shutil.copytree(entry, dest, symlinks=True, dirs_exist_ok=True)
                else:
                    shutil.copy2(entry, dest)
            return venv / "bin" / "python"
        for rel in files:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, dest, follow_symlinks=False)
        return venv / "bin" / "python"
    from importlib.metadata import requires
    wanted = [r.split(";")[0] for r in (requires("repo_tools") or []) if "extra ==" not in r]
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", str(venv)], check=True, capture_output=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *wanted], check=True)
    return venv / "bin" / "python"


def write_distribution(target: Path) -> None:
    """The project's own metadata beside the copied code: its entry points (the `oa-site`
    MkDocs plugin the service's site build names) are found through it."""
    from importlib.metadata import distribution
    dist = distribution("repo_tools")
    info = target / f"repo_tools-{dist.version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: repo_tools\nVersion: {dist.version}\n")
    (info / "entry_points.txt").write_text(dist.read_text("entry_points.txt") or "")


def point_hooks_at(city: City, layout: ServiceLayout) -> None:
    """Every repository's hook shim runs the service's interpreter."""
    repos = city.repositories()
    for repo in repos:
        git("config", "--file", str(repo / "config"), "oa.python", str(layout.python), env=clean_env())
        if wanted_at_install():  # as in city._install_hooks
            git("config", "--file", str(repo / "config"), "oa.hookclient",
                str(layout.app / "repo_tools" / "hook" / "client.py"), env=clean_env())


RC_TEXT = """# gitolite for the city service: written by `oa server setup`, do not edit by hand.
%RC = (
    UMASK                       =>  0077,
    GIT_CONFIG_KEYS             =>  'receive\\.certNonceSeed receive\\.certNonceSlop',
    LOG_EXTRA                   =>  1,
    AUTH_OPTIONS                =>  'restrict',
    LOCAL_CODE                  =>  "$ENV{HOME}/local",
    ROLES                       =>  { READERS => 1, WRITERS => 1 },
    ENABLE                      =>  [ 'ssh-authkeys', 'git-config' ],
);
1;
"""

SHELL_TEXT = """#!/bin/sh
# Forced command of every key (written by `oa server setup`): Git only, Chinese refusals.
exec {python} -m repo_tools.server.shell {root} "$@"
"""


def install_gitolite(city: City, layout: ServiceLayout, account: str) -> None:
    home = layout.home
    (home / ".ssh").mkdir(parents=True, exist_ok=True, mode=0o700)
    admin_key = home / ".ssh" / ADMIN_NAME
    if not admin_key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", ADMIN_NAME, "-f", str(admin_key)],
                       check=True, capture_output=True)
    (home / ".gitolite.rc").write_text(RC_TEXT)
    hooks = layout.local_code / "hooks" / "common"
    hooks.mkdir(parents=True, exist_ok=True)
    for name in ("pre-receive", "post-receive"):
        shutil.copyfile(PROJECT_HOOKS / name, hooks / name)
        (hooks / name).chmod(0o755)
    layout.shell_script.parent.mkdir(parents=True, exist_ok=True)
    layout.shell_script.write_text(SHELL_TEXT.format(python=layout.python, root=city.root))
    layout.shell_script.chmod(0o755)
    # The global config of the account: a nonce seed for any repository that lacks its own.
    (home / ".gitconfig").write_text(f"[receive]\n\tcertNonceSeed = {secrets.token_hex(32)}\n"
                                     "\tcertNonceSlop = 0\n")
    chown_tree(city.root, account)
    pub = home / ".ssh" / f"{ADMIN_NAME}.pub"
    access.run_as(account, ["gitolite", "setup", "-pk", str(pub)], layout)
    testing = layout.repositories / "testing.git"
    if testing.is_dir() and not testing.is_symlink():
        shutil.rmtree(testing)


SSHD_TEXT = """# The city's own sshd (written by `oa server setup`; start with `oa server start`).
Port {port}
ListenAddress {listen}
HostKey {host_key}
PidFile {pid_file}
AuthorizedKeysFile {authorized_keys}
AllowUsers {account}
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
UsePAM no
StrictModes yes
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTunnel no
PermitTTY no
PermitUserRC no
PermitUserEnvironment no
GatewayPorts no
DisableForwarding yes
PrintMotd no
Banner none
AcceptEnv LANG
LogLevel VERBOSE
"""


def write_sshd(city: City, layout: ServiceLayout, account: str, port: int, listen: str) -> None:
    """sshd's own directory is root's (0700): the service account cannot change how it is served."""
    layout.sshd_dir.mkdir(parents=True, exist_ok=True)
    os.chown(layout.sshd_dir, 0, 0)
    os.chmod(layout.sshd_dir, 0o700)
    if not layout.host_key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"oa-city-{city.root.name}",
                        "-f", str(layout.host_key)], check=True, capture_output=True)
    layout.sshd_config.write_text(SSHD_TEXT.format(
        port=port, listen=listen, host_key=layout.host_key, pid_file=layout.pid_file,
        authorized_keys=layout.authorized_keys, account=account))
    os.chmod(layout.sshd_config, 0o600)


def chown_tree(root: Path, account: str) -> None:
    """Give the city to the account, mode 0700 at the top (nobody else may even traverse it);
    sshd's own directory stays root's."""
    entry = pwd.getpwnam(account)
    sshd_dir = root / "server" / "sshd"
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == sshd_dir:
            dirnames[:] = []
            continue
        os.lchown(here, entry.pw_uid, entry.pw_gid)
        for name in filenames + [d for d in dirnames if (here / d).is_symlink()]:
            os.lchown(here / name, entry.pw_uid, entry.pw_gid)
    os.chmod(root, 0o700)
    os.chmod(root / "server", 0o700)


def setup(root: str | Path, account: str = "oa", port: int = 22, listen: str = "0.0.0.0",
          hand_over: str | Path | None = None) -> dict[str, Any]:
    """Prepare the city as a service; return what was done (for the report)."""
    require_root("setup")
    require_packages()
    city = City.at(root)
    layout = ServiceLayout(city.root)
    closed = [str(p) for p in city.root.parents if not (p.stat().st_mode & 0o001)]
    if closed:  # the account must reach its city: every parent directory must let others pass
        raise Refused("server-path-closed", paths="、".join(closed))
    handover = Path(hand_over) if hand_over else city.root.parent / f"{city.root.name}-keys"
    moved = hand_over_private_keys(city, handover)
    ensure_account(account, layout.home)
    layout.home.mkdir(parents=True, exist_ok=True)
    install_interpreter(layout.venv, layout.app)
    point_hooks_at(city, layout)
    layout.settings_file.write_text(yaml.safe_dump(
        {"account": account, "port": port, "listen": listen, "python": str(layout.python)}))
    install_gitolite(city, layout, account)
    chown_tree(city.root, account)
    # The first refresh runs as the account with the service's interpreter: a setup that
    # succeeds has proved the hooks' interpreter runs for the account.
    access.run_as(account, [str(layout.python), "-m", "repo_tools.server.access", str(city.root)], layout)
    # gitolite links its update hook and our common hooks into every repository.
    access.run_as(account, ["gitolite", "setup", "--hooks-only"], layout)
    write_sshd(city, layout, account, port, listen)
    chown_tree(city.root, account)
    return {"city": str(city.root), "account": account, "port": port, "listen": listen,
            "handed_over": moved, "handover_dir": str(handover) if moved else None}
