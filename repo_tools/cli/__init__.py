"""The `oa` command line: thin over the library. Each concern registers its commands here."""
from __future__ import annotations

import click

from repo_tools.cli import chinese
from repo_tools.cli.context import Context, add_global_options
from repo_tools.messages import say

chinese.install()


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, options_metavar=say("cli.__init__.oa.1"),
             subcommand_metavar=say("cli.__init__.oa.2"))
@click.option("--city", "city_arg", envvar="OA_CITY", default=None, help=say("cli.__init__.oa.3"))
@click.option("--as", "user_arg", envvar="OA_USER", default=None, help=say("cli.__init__.oa.4"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.__init__.oa.5"))
@click.pass_context
def oa(click_ctx: click.Context, city_arg: str | None, user_arg: str | None, as_json: bool) -> None:
    """六安市协同办公系统：基于 Git 的公文与信息系统。"""
    click_ctx.obj = Context(city_arg, user_arg, as_json)


def _register() -> None:
    from repo_tools.cli import (
        archive_commands,
        city_commands,
        demo_commands,
        document_commands,
        incident_commands,
        keys_commands,
        portal_commands,
        review_commands,
        server_commands,
        site_commands,
        transmit_commands,
        workflow_commands,
    )
    modules = (
        city_commands,
        demo_commands,
        document_commands,
        review_commands,
        keys_commands,
        transmit_commands,
        archive_commands,
        site_commands,
        incident_commands,
        server_commands,
        portal_commands,
        workflow_commands,
    )
    for module in modules:
        for command in module.COMMANDS:
            add_global_options(command)
            oa.add_command(command)


_register()


def main() -> None:
    oa(prog_name="oa")
