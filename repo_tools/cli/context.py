"""What every command shares: the city, the acting person, JSON output, and turning refusals
into the exit statuses of the contract (0 done, 1 refused, 2 usage)."""
from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from repo_tools.city import City, city_from_env
from repo_tools.git.repo import GitError, PushRefused, git
from repo_tools.identity.keys import KeyError_
from repo_tools.messages import Refused, say


@dataclass
class Context:
    city_arg: str | None
    user_arg: str | None
    json: bool

    @functools.cached_property
    def city(self) -> City:
        # Once per command: a clone over SSH syncs its mirrors when the city is opened.
        return city_from_env(self.city_arg)

    @property
    def user(self) -> str:
        user = self.user_arg or os.environ.get("OA_USER")
        if not user:
            user = git("config", "--get", "oa.user", check=False).strip() or None
        if not user:
            raise Refused("usage", detail=say("cli.context.user.1"),
                          remedy=say("cli.context.user.2"))
        return user


pass_ctx = click.make_pass_decorator(Context)


def emit(ctx: Context, data: Any, text: str | None = None) -> None:
    """Print data as JSON with --json, else the human text (or a readable dump)."""
    if ctx.json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        click.echo(text)
    else:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def refusals_exit(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's refusals into a clear message and exit status 1."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Refused as exc:
            click.echo(exc.text(), err=True)
            sys.exit(1)
        except PushRefused as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)
        except (GitError, KeyError_) as exc:
            click.echo(say("cli.context.wrapper.1", exc=exc), err=True)
            sys.exit(1)
    return wrapper


# The global options, as (option strings, Context field, is a flag). They are accepted before the
# subcommand (on `oa`) and after it (on every command): the README writes `oa clone U DIR --as X`.
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("--city",), "city_arg", False),
    (("--as",), "user_arg", False),
    (("--json",), "json", True),
)
_GLOBAL_HELP = {"city_arg": say("cli.context.module.1"), "user_arg": say("cli.context.module.2"), "json": say("cli.context.module.3")}


def _set_global(field: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(click_ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is None or value is False:
            return
        shared = click_ctx.find_object(Context)
        if shared is not None:
            setattr(shared, field, value)
    return callback


def add_global_options(command: click.Command) -> None:
    """Give a command (and, for a group, every command under it) the global options, unless it
    declares one itself; their values land on the shared Context the `oa` group made."""
    taken = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for opts, field, flag in GLOBAL_OPTIONS:
        if any(opt in taken for opt in opts):
            continue
        command.params.append(click.Option(
            list(opts), is_flag=flag, default=False if flag else None, expose_value=False,
            is_eager=True, callback=_set_global(field), help=_GLOBAL_HELP[field]))
    command.options_metavar = say("cli.context.add_global_options.1")
    if isinstance(command, click.Group):
        command.subcommand_metavar = say("cli.context.add_global_options.2")
        for sub in command.commands.values():
            add_global_options(sub)
