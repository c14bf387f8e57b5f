"""`oa portal`, `oa portal nginx-config` and `oa user reset-password`: the reading portal."""
from __future__ import annotations

from pathlib import Path

import click

from repo_tools.cli.city_commands import user_group
from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.messages import say


@click.group("portal", invoke_without_command=True)
@click.option("--port", default=8080, show_default=True, type=int, help=say("cli.portal_commands.portal_group.1"))
@click.option("--host", default="127.0.0.1", show_default=True, help=say("cli.portal_commands.portal_group.2"))
@click.option("--idle-minutes", default=30.0, show_default=True, type=float, help=say("cli.portal_commands.portal_group.3"))
@click.option("--secure-cookies", is_flag=True, default=False, help=say("cli.portal_commands.portal_group.4"))
@click.pass_context
def portal_group(click_ctx: click.Context, port: int, host: str, idle_minutes: float, secure_cookies: bool) -> None:
    """阅读门户：读者用用户标识和密码登录，只看到本人读者范围内的内容（第十四、十六、三十二条）。"""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    _serve(ctx, port, host, idle_minutes, secure_cookies)


@refusals_exit
def _serve(ctx: Context, port: int, host: str, idle_minutes: float, secure_cookies: bool = False) -> None:
    from repo_tools.portal import serve
    city = ctx.city
    if not (city.site_dir / "index.html").exists():
        raise click.UsageError(say("cli.portal_commands._serve.1", site_dir=city.site_dir))
    serve(city, port, host, idle_minutes, secure_cookies)


@portal_group.command("nginx-config")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help=say("cli.portal_commands.nginx_config_cmd.1"))
@click.option("--listen", default=8443, show_default=True, type=int, help=say("cli.portal_commands.nginx_config_cmd.2"))
@click.option("--portal", "portal_address", default="127.0.0.1:8080", show_default=True,
              help=say("cli.portal_commands.nginx_config_cmd.3"))
@click.option("--state", type=click.Path(file_okay=False), default=None,
              help=say("cli.portal_commands.nginx_config_cmd.4"))
@click.option("--user", "run_as", default=None, help=say("cli.portal_commands.nginx_config_cmd.5"))
@click.option("--tls-cert", type=click.Path(dir_okay=False, exists=True), default=None,
              help=say("cli.portal_commands.nginx_config_cmd.7"))
@click.option("--tls-key", type=click.Path(dir_okay=False, exists=True), default=None,
              help=say("cli.portal_commands.nginx_config_cmd.8"))
@pass_ctx
@refusals_exit
def nginx_config_cmd(ctx: Context, out: str | None, listen: int, portal_address: str, state: str | None,
                     run_as: str | None, tls_cert: str | None, tls_key: str | None) -> None:
    """写出 nginx 配置：nginx 直接提供网站文件，每个请求先询问门户该读者能否阅读（auth_request）。"""
    from repo_tools.portal.nginx import write_config
    city = ctx.city
    target = Path(out) if out else city.root / "server" / "nginx" / "nginx.conf"
    folder = Path(state) if state else target.parent
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError(say("cli.portal_commands.nginx_config_cmd.9"))
    tls = (Path(tls_cert), Path(tls_key)) if tls_cert and tls_key else None
    path = write_config(city.site_dir, target, folder, listen, portal_address, run_as=run_as, tls=tls)
    port = portal_address.rsplit(":", 1)[-1]
    if tls:
        told = say("cli.portal_commands.nginx_config_cmd.10", path=path, portal_address_rsplit=port, folder=folder,
                   listen=listen)
    else:
        told = say("cli.portal_commands.nginx_config_cmd.6", path=path, portal_address_rsplit=port, folder=folder,
                   listen=listen)
    emit(ctx, {"config": str(path), "listen": listen, "portal": portal_address, "state": str(folder), "tls": bool(tls)},
         told)


@user_group.command("reset-password")
@click.argument("user_id")
@click.option("--initial", default=None, help=say("cli.portal_commands.reset_password_cmd.1"))
@pass_ctx
@refusals_exit
def reset_password_cmd(ctx: Context, user_id: str, initial: str | None) -> None:
    """设置初始密码（第十四条）：由本单位系统管理员或电子政务办公室管理员办理，本人首次登录时须修改。"""
    from repo_tools.portal.auth import reset_password
    password = reset_password(ctx.city, ctx.user, user_id, initial)
    emit(ctx, {"user": user_id, "initial_password": password, "must_change": True},
         say("cli.portal_commands.reset_password_cmd.2",
             user_id=user_id, password=password))


COMMANDS = [portal_group]
