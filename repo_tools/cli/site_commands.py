"""`oa site build` and `oa serve`: the intranet site."""
from __future__ import annotations

from pathlib import Path

import click

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit


@click.group("site")
def site_group() -> None:
    """内部网站：生成与发布。"""


@site_group.command("build")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="网站目录（默认：城市目录下的 site/）")
@click.option("--audience", default="all", show_default=True, help="读者范围：all、unit:单位 或 user:用户")
@click.option("--full", is_flag=True, help="忽略上次的构建结果，全部重新生成")
@pass_ctx
@refusals_exit
def build_cmd(ctx: Context, out: str | None, audience: str, full: bool) -> None:
    """读取各单位 main 分支、登记系统和事件日志，生成并原子发布网站。"""
    from repo_tools.server.publish import require_service
    require_service(ctx.city)  # a clone holds one unit: the service builds the city's site
    from repo_tools.site import build_site
    report = build_site(ctx.city, Path(out) if out else None, audience=audience, full=full)
    data = {"out": str(report.out), "audience": report.audience, "full": report.full, "items": report.items,
            "rendered": len(report.rendered), "removed": len(report.removed), "search": report.search,
            "seconds": report.seconds,
            "overlays": {name: (None if r is None else len(r.rendered)) for name, r in report.overlays.items()}}
    kind = "全量" if report.full else "增量"
    emit(ctx, data, f"网站已发布（{kind}生成，读者范围 {report.audience}）：{report.out}\n"
                    f"共 {report.items} 项内容，本次生成 {len(report.rendered)} 个页面，"
                    f"用时 {sum(report.seconds.values()):.2f} 秒。\n"
                    + (f"限定范围叠加层 {len(report.overlays)} 个（本次重新生成 "
                       f"{sum(1 for r in report.overlays.values() if r is not None)} 个）。\n" if report.overlays else "")
                    + "用 `oa serve` 在本机浏览全员内容，或用 `oa portal` 登录阅读本人范围的内容。")


@click.command("serve")
@click.option("--port", default=8000, show_default=True, type=int, help="端口")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="网站目录（默认：城市目录下的 site/）")
@pass_ctx
@refusals_exit
def serve_cmd(ctx: Context, port: int, directory: str | None) -> None:
    """在本机（127.0.0.1）提供已生成的网站。"""
    from repo_tools.site import serve
    site = Path(directory) if directory else ctx.city.site_dir
    if not (site / "index.html").exists():
        raise click.UsageError(f"{site} 中没有网站，请先运行 `oa site build`。")
    serve(site, port)


COMMANDS = [site_group, serve_cmd]
