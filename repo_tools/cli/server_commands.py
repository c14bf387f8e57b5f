"""`oa server setup/start/stop/status` (the city as an SSH service) and `oa user keygen`."""
from __future__ import annotations

import os
from pathlib import Path

import click

from repo_tools.cli.city_commands import user_group
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit


@click.group("server")
def server_group() -> None:
    """城市服务：gitolite3 与 OpenSSH（须由 root 运行）。"""


@server_group.command("setup")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--account", default="oa", show_default=True, help="服务账户")
@click.option("--port", default=22, show_default=True, type=int)
@click.option("--listen", default="0.0.0.0", show_default=True, help="sshd 监听地址")
@click.option("--hand-over", "hand_over", default=None, type=click.Path(file_okay=False),
              help="城市中已有的个人与印章私钥移到此目录交还本人（默认 CITY-keys）")
@pass_ctx
@refusals_exit
def server_setup(ctx: Context, city_dir: str, account: str, port: int, listen: str, hand_over: str | None) -> None:
    """把城市配置为服务：服务账户、钩子解释器、gitolite3、本城市自己的 sshd。"""
    from repo_tools.server.setup import setup
    done = setup(city_dir, account=account, port=port, listen=listen, hand_over=hand_over)
    lines = [f"已把城市 {done['city']} 配置为服务：账户 {account}，端口 {port}，地址 {listen}",
             "  城市目录属于服务账户（0700），任何个人账户都不能读取。",
             "  启动：oa server start " + str(done["city"])]
    if done["handed_over"]:
        lines.append(f"  已把 {len(done['handed_over'])} 个个人或印章私钥目录移出服务器，存放于 "
                     f"{done['handover_dir']}：请交还本人，再从该目录删除。")
    emit(ctx, done, "\n".join(lines))


@server_group.command("start")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_start(ctx: Context, city_dir: str) -> None:
    """启动本城市的 sshd。"""
    from repo_tools.server.service import start
    pid = start(city_dir)
    emit(ctx, {"pid": pid}, f"sshd 已运行（进程 {pid}）")


@server_group.command("stop")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_stop(ctx: Context, city_dir: str) -> None:
    """停止本城市的 sshd。"""
    from repo_tools.server.service import stop
    was = stop(city_dir)
    emit(ctx, {"stopped": was}, "sshd 已停止" if was else "sshd 本来就没有运行")


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
         f"已投递 {len(done.placed)} 件，仍排队 {len(done.queued)} 件，回传办理情况 {len(done.reflected)} 件")


@server_group.command("publish")
@click.argument("city_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
@refusals_exit
def server_publish(ctx: Context, city_dir: str) -> None:
    """立即生成并发布网站（服务器在每次 main 更新后也会自动生成）。"""
    from repo_tools.city import City
    from repo_tools.server.publish import run_as_service
    from repo_tools.server.setup import require_root
    require_root("publish")
    city = City.at(city_dir)
    run_as_service(city.root)
    emit(ctx, {"site": str(city.site_dir)}, f"网站已生成：{city.site_dir}")


@user_group.command("keygen")
@click.option("--name", required=True, help="本人姓名")
@click.option("--email", default="", help="电子邮件（可选）")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="公钥输出文件（.asc）")
@click.option("--gnupghome", default=None, help="密钥目录（默认 GNUPGHOME 或 ~/.gnupg）")
@click.option("--ssh/--no-ssh", default=True, help="让本人的 gpg-agent 把认证子密钥作为 SSH 密钥提供")
@pass_ctx
@refusals_exit
def user_keygen(ctx: Context, name: str, email: str, out: str, gnupghome: str | None, ssh: bool) -> None:
    """在本人电脑上生成密钥（签名主密钥 + 认证、加密子密钥），写出公钥交电子政务办公室登记。"""
    from repo_tools.server.identity import enable_ssh, keygen
    home = Path(gnupghome or os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
    fpr = keygen(home, name, email or f"{name}@oa.local", out)
    sock = enable_ssh(home, fpr) if ssh else None
    emit(ctx, {"fingerprint": fpr, "public_key": out, "ssh_auth_sock": str(sock) if sock else None},
         f"已生成密钥 {fpr}（签名、认证、加密），公钥写入 {out}\n"
         "  请把公钥文件交电子政务办公室，用 `oa user add ... --key 文件` 登记。"
         + (f"\n  SSH 使用本人 gpg-agent：export SSH_AUTH_SOCK={sock}" if sock else ""))


COMMANDS = [server_group]
