"""`oa demo`: the whole flow on the sample city from `content/`, then the site."""
from __future__ import annotations

import click

from repo_tools.cli.context import Context, pass_ctx, refusals_exit
from repo_tools.messages import say


@click.command("demo")
@click.argument("directory", default="demo-city", type=click.Path(file_okay=False))
@click.option("--serve", is_flag=True, help=say("cli.demo_commands.demo_cmd.1"))
@click.option("--fresh/--keep", default=True,
              help=say("cli.demo_commands.demo_cmd.2"))
@pass_ctx
@refusals_exit
def demo_cmd(ctx: Context, directory: str, serve: bool, fresh: bool) -> None:
    """在示例城市上运行全流程，然后生成网站。"""
    from repo_tools.demo import run_demo
    run_demo(directory, serve=serve, fresh=fresh)


COMMANDS = [demo_cmd]
