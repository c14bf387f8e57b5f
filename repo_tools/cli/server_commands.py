"""`oa server setup/start/stop/status` (the city as an SSH service) and `oa user keygen`."""
from __future__ import annotations

import os
from pathlib import Path

import click

from repo_tools.cli.city_commands import user_group
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.messages import say


@click.group("server")
def server_group() -> None:
    """城市服务：gitolite3 与 OpenSSH（须由 root 运行）。"""


@server_group.command("setup")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--account", default="oa", show_default=True, help=say("cli.server_commands.server_setup.1"))
@click.option("--port", default=22, show_default=True, type=int)
@click.option("--listen", default="0.0.0.0", show_default=True, help=say("cli.server_commands.server_setup.2"))
@click.option("--hand-over", "hand_over", default=None, type=click.Path(file_okay=False),
              help=say("cli.server_commands.server_setup.3"))
@pass_ctx
@refusals_exit
def server_setup(ctx: Context, city_dir: str, account: str, port: int, listen: str, hand_over: str | None) -> None:
    """把城市配置为服务：服务账户、钩子解释器、gitolite3、本城市自己的 sshd。"""
    from repo_tools.server.setup import setup
    done = setup(city_dir, account=account, port=port, listen=listen, hand_over=hand_over)
    lines = [say("cli.server_commands.server_setup.4",
                 city=done['city'], account=account, port=port, listen=listen),
             say("cli.server_commands.server_setup.5"),
             say("cli.server_commands.server_setup.6") + str(done["city"])]
    if done["handed_over"]:
        lines.append(say("cli.server_commands.server_setup.7",
                         len_handed_over=len(done['handed_over']), handover_dir=done['handover_dir']))
    emit(ctx, done, "\n".join(lines))


@server_group.command("start")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_start(ctx: Context, city_dir: str) -> None:
    """启动本城市的 sshd。"""
    from repo_tools.server.service import start
    pid = start(city_dir)
    emit(ctx, {"pid": pid}, say("cli.server_commands.server_start.1", pid=pid))


@server_group.command("stop")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_stop(ctx: Context, city_dir: str) -> None:
    """停止本城市的 sshd。"""
    from repo_tools.server.service import stop
    was = stop(city_dir)
    emit(ctx, {"stopped": was}, say("cli.server_commands.server_stop.1") if was else say("cli.server_commands.server_stop.2"))


@server_group.command("status")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_status(ctx: Context, city_dir: str) -> None:
    """服务在运行什么、哪里有问题。"""
    from repo_tools.server.service import status
    report = status(city_dir)
    emit(ctx, {"ok": report.ok, "running": report.running, "problems": report.problems}, report.text())
    if not report.ok:
        raise SystemExit(1)


@server_group.command("deliver")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_deliver(ctx: Context, city_dir: str) -> None:
    """重试投递：把发件箱中排队的传输投到对方收件箱，把对方的办理情况回传发文单位。"""
    from repo_tools.city import City
    from repo_tools.server.courier import catch_up
    done = catch_up(City.at(city_dir))
    emit(ctx, {"placed": done.placed, "queued": done.queued, "reflected": done.reflected},
         say("cli.server_commands.server_deliver.1",
             len_placed=len(done.placed), len_queued=len(done.queued), len_reflected=len(done.reflected)))


@user_group.command("keygen")
@click.option("--name", required=True, help=say("cli.server_commands.user_keygen.1"))
@click.option("--email", default="", help=say("cli.server_commands.user_keygen.2"))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help=say("cli.server_commands.user_keygen.3"))
@click.option("--gnupghome", default=None, help=say("cli.server_commands.user_keygen.4"))
@click.option("--ssh/--no-ssh", default=True, help=say("cli.server_commands.user_keygen.5"))
@pass_ctx
@refusals_exit
def user_keygen(ctx: Context, name: str, email: str, out: str, gnupghome: str | None, ssh: bool) -> None:
    """在本人电脑上生成密钥（签名主密钥 + 认证、加密子密钥），写出公钥交电子政务办公室登记。"""
    from repo_tools.server.identity import enable_ssh, keygen
    home = Path(gnupghome or os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
    fpr = keygen(home, name, email or f"{name}@oa.local", out)
    sock = enable_ssh(home, fpr) if ssh else None
    emit(ctx, {"fingerprint": fpr, "public_key": out, "ssh_auth_sock": str(sock) if sock else None},
         say("cli.server_commands.user_keygen.6", fpr=fpr, out=out)
         + (say("cli.server_commands.user_keygen.7", sock=sock) if sock else ""))


COMMANDS = [server_group]
