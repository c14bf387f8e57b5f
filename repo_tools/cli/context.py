"""What every command shares: the city, the acting person, JSON output, and turning refusals
into the exit statuses of the contract (0 done, 1 refused, 2 usage)."""
from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

import click

from ..city import City, city_from_env
from ..gitrepo import GitError, PushRefused, git
from ..keys import KeyError_
from ..messages import Refused


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
            raise Refused("usage", detail="没有指定操作人。",
                          remedy="请用 --as 用户标识、环境变量 OA_USER，或在 `oa clone` 的工作副本中运行。")
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
            click.echo(f"操作失败：{exc}", err=True)
            sys.exit(1)
    return wrapper
