"""`oa doc new`, `oa doc check`, `oa doc render`: drafting, checking and printing 公文."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.documents import drafting, worktree_check
from repo_tools.documents import model as documents
from repo_tools.git.repo import git
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Registry, Unit


def _clone_root() -> Path:
    root = worktree_check.toplevel(Path.cwd())
    if root is None:
        raise Refused("usage", detail=say("cli.document_commands._clone_root.1"), remedy=say("cli.document_commands._clone_root.2"))
    return root


def _unit(ctx: Context, unit_id: str | None) -> tuple[Unit, Registry]:
    unit_id = unit_id or git("config", "--get", "oa.unit", check=False).strip() or None
    if not unit_id:
        raise Refused("usage", detail=say("cli.document_commands._unit.1"), remedy=say("cli.document_commands._unit.2"))
    registry = ctx.city.registry()
    unit = registry.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("cli.document_commands._unit.3"), name=unit_id, remedy=say("cli.document_commands._unit.4"))
    return unit, registry


@click.group("doc")
def doc_group() -> None:
    """公文：拟稿、检查、打印（条例第八、九条，GB/T 9704-2012）。"""


@doc_group.command("new")
@click.option("--type", "doc_type", required=True, type=click.Choice(documents.TYPES), help=say("cli.document_commands.doc_new.1"))
@click.option("--title", required=True, help=say("cli.document_commands.doc_new.2"))
@click.option("--to", "recipients", multiple=True, help=say("cli.document_commands.doc_new.3"))
@click.option("--cc", multiple=True, help=say("cli.document_commands.doc_new.4"))
@click.option("--urgency", type=click.Choice(documents.URGENCIES), default=None, help=say("cli.document_commands.doc_new.5"))
@click.option("--attach", "attachments", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help=say("cli.document_commands.doc_new.6"))
@click.option("--signer", multiple=True, help=say("cli.document_commands.doc_new.7"))
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help=say("cli.document_commands.doc_new.8"))
@click.option("--slug", default=None, help=say("cli.document_commands.doc_new.9"))
@click.option("--unit", "unit_id", default=None, help=say("cli.document_commands.doc_new.10"))
@pass_ctx
@refusals_exit
def doc_new(ctx: Context, doc_type: str, title: str, recipients: tuple[str, ...], cc: tuple[str, ...],
            urgency: str | None, attachments: tuple[str, ...], signer: tuple[str, ...], day: object,
            slug: str | None, unit_id: str | None) -> None:
    """按模板新建公文草稿：documents/<年>/<目录>/index.md。"""
    root = _clone_root()
    unit, registry = _unit(ctx, unit_id)
    when: date | None = day.date() if day is not None else None  # type: ignore[attr-defined]
    folder = drafting.new_document(root, unit, doc_type, title, list(recipients), list(cc), urgency,
                                   [Path(a) for a in attachments], list(signer), when, slug)
    _count, found = worktree_check.check_on_disk([folder], unit, registry, on_main=False)
    rel = folder.relative_to(root).as_posix()
    if ctx.json:
        emit(ctx, {"path": rel, "index": f"{rel}/index.md", "todo": [f.text() for f in found]})
        return
    click.echo(say("cli.document_commands.doc_new.11", rel=rel, name=unit.name, doc_type=doc_type))
    if found:
        click.echo(say("cli.document_commands.doc_new.12"))
        for item in found:
            click.echo(item.text())


@doc_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--unit", "unit_id", default=None, help=say("cli.document_commands.doc_check.1"))
@click.option("--ref", "ref", type=click.Choice(["auto", "main", "draft"]), default="auto", show_default=True,
              help=say("cli.document_commands.doc_check.2"))
@pass_ctx
@refusals_exit
def doc_check(ctx: Context, paths: tuple[str, ...], unit_id: str | None, ref: str) -> None:
    """检查公文和信息：与服务器钩子相同的规则、相同的提示。"""
    unit, registry = _unit(ctx, unit_id)
    if paths:
        targets = [Path(p) for p in paths]
    else:
        root = _clone_root()
        targets = [p for p in (root / "documents", root / "bulletins") if p.is_dir()]
    on_main = None if ref == "auto" else ref == "main"
    count, found = worktree_check.check_on_disk(targets, unit, registry, on_main=on_main)
    if ctx.json:
        emit(ctx, {"checked": count, "ok": not found,
                   "refusals": [{"rule": f.rule, "article": f.article, "where": f.where, "message": f.message,
                                 "remedy": f.remedy} for f in found]})
    elif found:
        for item in found:
            click.echo(item.text(), err=True)
        click.echo(say("cli.document_commands.doc_check.3", count=count, len_found=len(found)), err=True)
    else:
        click.echo(say("cli.document_commands.doc_check.4", count=count))
    if found:
        sys.exit(1)


@doc_group.command("render")
@click.argument("path", type=click.Path(exists=True))
@click.option("--pdf", "out", required=True, type=click.Path(dir_okay=False), help=say("cli.document_commands.doc_render.1"))
@pass_ctx
@refusals_exit
def doc_render(ctx: Context, path: str, out: str) -> None:
    """按 GB/T 9704 版式输出公文的打印件（PDF，A4）。"""
    from repo_tools.documents.render import render_pdf
    folder = Path(path)
    folder = folder.parent if folder.is_file() else folder
    unit_name = None
    try:
        unit, _registry = _unit(ctx, None)
        unit_name = unit.name
    except Refused:
        unit_name = None  # outside a clone: the 印发机关 of the document names the issuer
    seal = _seal_svg(ctx, folder, unit_name)
    target = render_pdf(folder, out, unit_name, seal, co_issuers=_co_issuers(ctx, folder, seal is not None))
    emit(ctx, {"pdf": str(target)}, say("cli.document_commands.doc_render.2", target=target))


def _co_issuers(ctx: Context, folder: Path, sealed: bool) -> list[tuple[str, str | None]] | None:
    """The other units of a joint document with their seals (联合行文), when the city is known."""
    try:
        meta, _ = documents.split_front_matter((folder / "index.md").read_text(encoding="utf-8"))
        if not meta.get("joint"):
            return None
        from repo_tools.workflow.signature_block import co_issuers
        return co_issuers(ctx.city.registry(), meta, sealed)
    except Exception:  # noqa: BLE001 - no city here: print the drafting unit alone
        return None


def _seal_svg(ctx: Context, folder: Path, unit_name: str | None) -> str | None:
    """The seal image, for sealed documents printed in their unit's clone. A sealed document
    whose seal cannot be drawn is refused: a print without its seal would pass for the original."""
    try:
        meta, _ = documents.split_front_matter((folder / "index.md").read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - the renderer reports unreadable documents itself
        return None
    if not meta.get("number") or not unit_name:
        return None
    from repo_tools.seal.image import seal_svg
    unit, _ = _unit(ctx, None)
    try:
        return str(seal_svg(unit.name, unit.level))
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever broke, no PDF without the seal
        raise Refused("seal-image-failed", number=meta.get("number"), detail=f"{type(exc).__name__}: {exc}") from exc


COMMANDS = [doc_group]
