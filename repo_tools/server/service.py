"""`oa server start` / `stop` / `status`: the city's own sshd, and a check of everything the
service depends on, reported in Chinese (what runs, what is wrong)."""
from __future__ import annotations

import os
import pwd
import signal
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from repo_tools.city import City
from repo_tools.messages import Refused, say
from repo_tools.server.access import run_as
from repo_tools.server.layout import ServiceLayout
from repo_tools.server.setup import SSHD, require_root


def _layout(root: str | Path) -> tuple[City, ServiceLayout, dict]:
    city = City.at(root)
    layout = ServiceLayout(city.root)
    settings = layout.settings()
    if not settings:
        raise Refused("server-not-set-up", city=str(city.root))
    return city, layout, settings


def running_pid(layout: ServiceLayout) -> int | None:
    try:
        pid = int(layout.pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def start(root: str | Path) -> int:
    """Start the city's sshd (daemon); return its pid."""
    require_root("start")
    _, layout, _ = _layout(root)
    pid = running_pid(layout)
    if pid:
        return pid
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    test = subprocess.run([SSHD, "-t", "-f", str(layout.sshd_config)], capture_output=True, text=True)
    if test.returncode != 0:
        raise Refused("usage", detail=say("server.service.start.1", stderr_strip=test.stderr.strip()),
                      remedy=say("server.service.start.2"))
    subprocess.run([SSHD, "-f", str(layout.sshd_config), "-E", str(layout.sshd_log)], check=True)
    for _ in range(100):
        pid = running_pid(layout)
        if pid:
            return pid
        time.sleep(0.05)
    raise Refused("usage", detail=say("server.service.start.3", sshd_log=layout.sshd_log), remedy=say("server.service.start.4"))


def stop(root: str | Path) -> bool:
    """Stop the city's sshd; return whether it was running."""
    require_root("stop")
    _, layout, _ = _layout(root)
    pid = running_pid(layout)
    if not pid:
        return False
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if running_pid(layout) is None:
            break
        time.sleep(0.05)
    layout.pid_file.unlink(missing_ok=True)
    return True


@dataclass
class Status:
    running: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [say("server.service.text.1") + (say("server.service.text.2") if self.ok else say("server.service.text.3", len_problems=len(self.problems)))]
        lines += [f"  ✓ {line}" for line in self.running]
        lines += [f"  ✗ {line}" for line in self.problems]
        return "\n".join(lines)


def status(root: str | Path) -> Status:
    """What runs and what is wrong, each in one Chinese line."""
    city, layout, settings = _layout(root)
    report = Status()
    account = str(settings.get("account", ""))
    try:
        entry = pwd.getpwnam(account)
        report.running.append(say("server.service.status.1", account=account, pw_uid=entry.pw_uid))
    except KeyError:
        report.problems.append(say("server.service.status.2", account=account))
        return report
    info = city.root.stat()
    if info.st_uid != entry.pw_uid or stat.S_IMODE(info.st_mode) & 0o077:
        report.problems.append(say("server.service.status.3", root=city.root, account=account))
    else:
        report.running.append(say("server.service.status.4", account=account))
    pid = running_pid(layout)
    if pid:
        report.running.append(say("server.service.status.5",
                                  pid=pid, settings_get=settings.get('port'), settings_get2=settings.get('listen')))
    else:
        report.problems.append(say("server.service.status.6"))
    leaked = [p for kind in ("people", "seals") for p in (city.root / kind).glob("*/gnupg")]
    if leaked:
        report.problems.append(say("server.service.status.7", len_leaked=len(leaked)))
    else:
        report.running.append(say("server.service.status.8"))
    if os.geteuid() in (0, entry.pw_uid):
        probe = run_as(account, [str(layout.python), "-c", "import repo_tools.hook"], layout, check=False)
        if probe.returncode == 0:
            report.running.append(say("server.service.status.9", account=account, python=layout.python))
        else:
            report.problems.append(say("server.service.status.10",
                                       account=account, stderr_decode=probe.stderr.decode('utf-8', 'replace')[-200:]))
    for repo in city.repositories():
        hook = repo / "hooks" / "update"
        ours = repo / "hooks" / "pre-receive"
        if not (hook.is_symlink() and ours.is_symlink()):
            report.problems.append(say("server.service.status.11", name=repo.name))
    conf = layout.gitolite_conf
    if conf.exists():
        keys = len(list(layout.keydir.glob("*.pub"))) - 1
        report.running.append(say("server.service.status.12", keys=keys))
    else:
        report.problems.append(say("server.service.status.13"))
    return report
