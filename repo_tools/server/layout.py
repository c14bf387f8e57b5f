"""Where a served city keeps the service's own files, all under `CITY/server/`.

    CITY/server/service.yaml   account, port, listen address (written by `oa server setup`)
    CITY/server/home/          the service account's home: gitolite (.gitolite.rc, .gitolite/,
                               repositories/ of symlinks into the city, .ssh/authorized_keys)
    CITY/server/venv/          the hooks' interpreter: Debian's python3 in a venv the account can run
    CITY/server/app/           the project's code as the service runs it
    CITY/server/sshd/          the city's own sshd: config, host key, pid file, log (root only)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGISTRY_REPO = "registry"
ADMIN_NAME = "oa-service"   # gitolite's admin: the service's own key, never a person's
GITOLITE_SHELL = "/usr/share/gitolite3/gitolite-shell"
RESERVED = (REGISTRY_REPO, "gitolite-admin", "testing")


@dataclass(frozen=True)
class ServiceLayout:
    """Paths of the service inside one city."""
    root: Path

    @property
    def base(self) -> Path:
        return self.root / "server"

    @property
    def settings_file(self) -> Path:
        return self.base / "service.yaml"

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def repositories(self) -> Path:
        return self.home / "repositories"

    @property
    def gitolite_conf(self) -> Path:
        return self.home / ".gitolite" / "conf" / "gitolite.conf"

    @property
    def keydir(self) -> Path:
        return self.home / ".gitolite" / "keydir"

    @property
    def local_code(self) -> Path:
        return self.home / "local"

    @property
    def authorized_keys(self) -> Path:
        return self.home / ".ssh" / "authorized_keys"

    @property
    def shell_script(self) -> Path:
        return self.home / "bin" / "oa-shell"

    @property
    def venv(self) -> Path:
        return self.base / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def app(self) -> Path:
        return self.base / "app"

    @property
    def sshd_dir(self) -> Path:
        return self.base / "sshd"

    @property
    def sshd_config(self) -> Path:
        return self.sshd_dir / "sshd_config"

    @property
    def host_key(self) -> Path:
        return self.sshd_dir / "ssh_host_ed25519_key"

    @property
    def pid_file(self) -> Path:
        return self.sshd_dir / "sshd.pid"

    @property
    def sshd_log(self) -> Path:
        return self.sshd_dir / "sshd.log"

    def settings(self) -> dict[str, Any]:
        """The service's settings, or {} when the city is not served (embedded demo, tests)."""
        import yaml  # here: every SSH request's shell imports this module, never this method
        try:
            return dict(yaml.safe_load(self.settings_file.read_text()) or {})
        except (OSError, yaml.YAMLError):
            return {}

    def is_served(self) -> bool:
        return self.settings_file.is_file()
