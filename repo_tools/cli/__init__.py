"""The `oa` command line: thin over the library. Each concern registers its commands here."""
from __future__ import annotations

import click

from repo_tools.cli import chinese
from repo_tools.cli.context import Context, add_global_options
from repo_tools.messages import say

chinese.install()


# Which module holds each top-level command: `oa verify` loads the verification commands only
# (a warm `oa verify --unit` is mostly start-up); `oa --help` and any other name load them all.
COMMAND_MODULES = {
    "init": "city_commands", "unit": "city_commands", "user": "city_commands", "clone": "city_commands",
    "log": "city_commands", "witness": "city_commands", "demo": "demo_commands", "doc": "document_commands",
    "review": "review_commands", "cert": "keys_commands", "seal": "keys_commands", "verify": "keys_commands",
    "keys": "keys_commands", "send": "transmit_commands", "sent": "transmit_commands", "inbox": "transmit_commands",
    "archive": "archive_commands", "site": "site_commands", "serve": "site_commands",
    "incident": "incident_commands", "server": "server_commands", "portal": "portal_commands",
    "delegate": "workflow_commands",
}
# Groups that other modules add subcommands to (`oa user keygen` is the server's, `oa user
# reset-password` the portal's, `oa unit set-workflow` and `oa review sign-off` the workflow's): loaded first, so the
# group's global options reach those subcommands too.
EXTENDED_BY = {"user": ("server_commands", "portal_commands"), "unit": ("workflow_commands",),
               "review": ("workflow_commands",)}
MODULES = ("city_commands", "demo_commands", "document_commands", "review_commands", "keys_commands",
           "transmit_commands", "archive_commands", "site_commands", "incident_commands", "server_commands",
           "portal_commands", "workflow_commands")


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            module = COMMAND_MODULES.get(cmd_name)
            _register([module] if module else list(MODULES))
        # Always: a group may be here already (its module came in with another command) while the
        # modules that add subcommands to it (`oa unit set-workflow`) have not been imported yet.
        _register(list(EXTENDED_BY.get(cmd_name, ())))
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register(list(MODULES))
        return super().list_commands(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, options_metavar=say("cli.__init__.oa.1"),
             subcommand_metavar=say("cli.__init__.oa.2"))
@click.option("--city", "city_arg", envvar="OA_CITY", default=None, help=say("cli.__init__.oa.3"))
@click.option("--as", "user_arg", envvar="OA_USER", default=None, help=say("cli.__init__.oa.4"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.__init__.oa.5"))
@click.pass_context
def oa(click_ctx: click.Context, city_arg: str | None, user_arg: str | None, as_json: bool) -> None:
    """六安市协同办公系统：基于 Git 的公文与信息系统。"""
    click_ctx.obj = Context(city_arg, user_arg, as_json)


_loaded: set[str] = set()


def _register(modules: list[str]) -> None:
    """Import these command modules (once) and add their commands, with the global options."""
    import importlib
    for name in modules:
        if name in _loaded:
            continue
        _loaded.add(name)
        module = importlib.import_module(f"repo_tools.cli.{name}")
        for command in module.COMMANDS:
            add_global_options(command)
            oa.add_command(command)


def main() -> None:
    oa(prog_name="oa")
