"""`oa site build` and `oa serve`: the intranet site."""
from __future__ import annotations

from pathlib import Path

import click

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.messages import say


@click.group("site")
def site_group() -> None:
    """内部网站：生成与发布。"""


@site_group.command("build")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help=say("cli.site_commands.build_cmd.1"))
@click.option("--audience", default="all", show_default=True, help=say("cli.site_commands.build_cmd.2"))
@click.option("--full", is_flag=True, help=say("cli.site_commands.build_cmd.3"))
@pass_ctx
@refusals_exit
def build_cmd(ctx: Context, out: str | None, audience: str, full: bool) -> None:
    """读取各单位 main 分支、登记系统和事件日志，生成并原子发布网站。"""
    from repo_tools.site import build_site
    report = build_site(ctx.city, Path(out) if out else None, audience=audience, full=full)
    data = {"out": str(report.out), "audience": report.audience, "full": report.full, "items": report.items,
            "rendered": len(report.rendered), "removed": len(report.removed), "search": report.search,
            "seconds": report.seconds,
            "overlays": {name: (None if r is None else len(r.rendered)) for name, r in report.overlays.items()}}
    kind = say("cli.site_commands.build_cmd.4") if report.full else say("cli.site_commands.build_cmd.5")
    emit(ctx, data, say("cli.site_commands.build_cmd.6",
                        kind=kind, audience=report.audience, out=report.out, items=report.items, len_rendered=len(report.rendered),
                        sum_seconds_values=sum(report.seconds.values()))
                    + (say("cli.site_commands.build_cmd.7",
                           len_overlays=len(report.overlays),
                           sum_value=sum(1 for r in report.overlays.values() if r is not None)) if report.overlays else "")
                    + say("cli.site_commands.build_cmd.8"))


@click.command("serve")
@click.option("--port", default=8000, show_default=True, type=int, help=say("cli.site_commands.serve_cmd.1"))
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help=say("cli.site_commands.serve_cmd.2"))
@pass_ctx
@refusals_exit
def serve_cmd(ctx: Context, port: int, directory: str | None) -> None:
    """在本机（127.0.0.1）提供已生成的网站。"""
    from repo_tools.site import serve
    site = Path(directory) if directory else ctx.city.site_dir
    if not (site / "index.html").exists():
        raise click.UsageError(say("cli.site_commands.serve_cmd.3", site=site))
    serve(site, port)


COMMANDS = [site_group, serve_cmd]
