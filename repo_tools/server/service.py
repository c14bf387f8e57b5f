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
from repo_tools.messages import Refused
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
        raise Refused("usage", detail=f"sshd 配置检查失败：{test.stderr.strip()}",
                      remedy="请重新运行 `oa server setup`。")
    subprocess.run([SSHD, "-f", str(layout.sshd_config), "-E", str(layout.sshd_log)], check=True)
    for _ in range(100):
        pid = running_pid(layout)
        if pid:
            return pid
        time.sleep(0.05)
    raise Refused("usage", detail=f"sshd 未能启动，请查看 {layout.sshd_log}。", remedy="检查端口是否被占用。")


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
        lines = ["服务状态：" + ("正常" if self.ok else f"有 {len(self.problems)} 项问题")]
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
        report.running.append(f"服务账户 {account}（uid {entry.pw_uid}）存在")
    except KeyError:
        report.problems.append(f"服务账户 {account} 不存在：请重新运行 `oa server setup`")
        return report
    info = city.root.stat()
    if info.st_uid != entry.pw_uid or stat.S_IMODE(info.st_mode) & 0o077:
        report.problems.append(f"城市目录 {city.root} 的属主或权限不对（应为 {account}、0700）")
    else:
        report.running.append(f"城市目录属于 {account}，权限 0700：他人无法读取")
    pid = running_pid(layout)
    if pid:
        report.running.append(f"sshd 运行中（进程 {pid}，端口 {settings.get('port')}，"
                              f"地址 {settings.get('listen')}）")
    else:
        report.problems.append("sshd 未运行：请用 `oa server start` 启动")
    leaked = [p for kind in ("people", "seals") for p in (city.root / kind).glob("*/gnupg")]
    if leaked:
        report.problems.append(f"服务器上仍有 {len(leaked)} 个个人或印章私钥目录：请移交本人后删除")
    else:
        report.running.append("服务器不保存任何个人或印章私钥")
    if os.geteuid() in (0, entry.pw_uid):
        probe = run_as(account, [str(layout.python), "-c", "import repo_tools.hook"], layout, check=False)
        if probe.returncode == 0:
            report.running.append(f"钩子解释器可由 {account} 运行（{layout.python}）")
        else:
            report.problems.append(f"钩子解释器无法由 {account} 运行：{probe.stderr.decode('utf-8', 'replace')[-200:]}")
    for repo in [city.registry_repo, *sorted((city.root / "units").glob("*.git"))]:
        hook = repo / "hooks" / "update"
        ours = repo / "hooks" / "pre-receive"
        if not (hook.is_symlink() and ours.is_symlink()):
            report.problems.append(f"仓库 {repo.name} 未挂接 gitolite 与本系统的钩子：请重新运行 `oa server setup`")
    conf = layout.gitolite_conf
    if conf.exists():
        keys = len(list(layout.keydir.glob("*.pub"))) - 1
        report.running.append(f"访问规则已由登记系统生成（{keys} 人可通过 SSH 访问）")
    else:
        report.problems.append("gitolite 访问规则尚未生成")
    return report
