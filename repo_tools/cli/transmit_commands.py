"""`oa send`, `oa sent`, `oa inbox ...`: transmission and receipt (Art. 27-29)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.git.repo import git
from repo_tools.messages import Refused, say
from repo_tools.transmit import deliveries as transmit
from repo_tools.transmit.views import _time, inbox_table, sent_table, show_document  # noqa: F401 - names this module offered


def _json_flag(ctx: Context, as_json: bool) -> None:
    if as_json:
        ctx.json = True


def _repo_relative(path: str) -> str:
    """A path typed in a clone (relative to the working directory) as a path in the repository."""
    candidate = Path(path)
    if candidate.exists():
        top = git("rev-parse", "--show-toplevel", cwd=candidate if candidate.is_dir() else candidate.parent,
                  check=False).strip()
        if top:
            return transmit.normalize_path(str(candidate.resolve().relative_to(Path(top).resolve())))
    return transmit.normalize_path(path)


@click.command("send")
@click.argument("path", required=False)
@click.option("--to", "to", multiple=True, help=say("cli.transmit_commands.send_cmd.1"))
@click.option("--resend", default=None, help=say("cli.transmit_commands.send_cmd.2"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.send_cmd.3"))
@pass_ctx
@refusals_exit
def send_cmd(ctx: Context, path: str | None, to: tuple[str, ...], resend: str | None, as_json: bool) -> None:
    """发送已盖章的公文（第二十八条：发送完成时间即传输时间）。"""
    _json_flag(ctx, as_json)
    result = transmit.send(ctx.city, ctx.user, _repo_relative(path) if path else None, to, resend)
    rows = [d.as_json() for d in result.deliveries]
    if ctx.json:
        emit(ctx, {"sent": rows, "unmatched": result.unmatched, "skipped": result.skipped,
                   "queued": result.queued})
        return
    for name in result.unmatched:
        click.echo(say("cli.transmit_commands.send_cmd.4", name=name), err=True)
    for unit in result.skipped:
        click.echo(say("cli.transmit_commands.send_cmd.5", unit=unit), err=True)
    for row in rows:
        extra = say("cli.transmit_commands.send_cmd.6", resend_of=row['resend_of']) if row.get("resend_of") else ""
        if row.get("queued"):
            click.echo(say("cli.transmit_commands.send_cmd.7",
                           number=row['number'], title=row['title'], to_name=row['to_name'], id=row['id']))
            continue
        click.echo(say("cli.transmit_commands.send_cmd.8",
                       number=row['number'], title=row['title'], to_name=row['to_name'], id=row['id'],
                       time_sent_at=_time(row['sent_at']), extra=extra))


@click.command("sent")
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.sent_cmd.1"))
@pass_ctx
@refusals_exit
def sent_cmd(ctx: Context, as_json: bool) -> None:
    """本单位已发送的公文及对方的签收、登记、退文情况（发文登记簿）。"""
    _json_flag(ctx, as_json)
    reg = ctx.city.registry()
    person = reg.person(ctx.user)
    if person is None:
        raise Refused("not-found", what=say("cli.transmit_commands.sent_cmd.2"), name=ctx.user, remedy=say("cli.transmit_commands.sent_cmd.3"))
    rows = [d.as_json() for d in transmit.sent_by(ctx.city, person.unit)]
    if ctx.json:
        emit(ctx, rows)
        return
    Console().print(sent_table(rows, say("cli.transmit_commands.sent_cmd.4",
                                         name=reg.units[person.unit].name)))


@click.group("inbox")
def inbox_group() -> None:
    """收文：签收、登记、退文、请求重发（第二十七、二十九条）。"""


@inbox_group.command("list")
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.inbox_list.1"))
@pass_ctx
@refusals_exit
def inbox_list(ctx: Context, as_json: bool) -> None:
    """本单位收到的公文：未签收的在前，特急、加急标出，超期的标红。"""
    _json_flag(ctx, as_json)
    unit, found = transmit.inbox(ctx.city, ctx.user)
    rows = [d.as_json() for d in found]
    if ctx.json:
        emit(ctx, rows)
        return
    Console().print(inbox_table(rows, say("cli.transmit_commands.inbox_list.2", name=ctx.city.registry().units[unit].name)))
    if not rows:
        click.echo(say("cli.transmit_commands.inbox_list.3"))


def print_delivery(ctx: Context, row: dict[str, Any], folder: Path, out: Path) -> Path:
    """The delivered document's print form (Art. 29(3): a printed copy counts as paper) with the
    sending unit's seal image: the delivery only exists because the sealing merge was verified.
    The renderer and the seal's drawing are imported here: every other `oa` command over SSH
    (inbox, send, sent) imported them for nothing (~0.1 s of each command's start)."""
    from repo_tools.documents import render
    from repo_tools.seal import image as seal_image
    sender = ctx.city.registry().unit(row["from"])
    name = sender.name if sender else row["from_name"]
    seal = seal_image.seal_svg(name, sender.level) if sender else None
    proofs = delivery_proofs(ctx, row)
    for file_name, data in proofs.items():  # beside the PDF too, for readers without attachments
        out.with_name(f"{out.stem}.{file_name}").write_bytes(data)
    return render.render_pdf(folder, out, unit_name=name, seal_svg=seal, attachments=proofs)


def delivery_proofs(ctx: Context, row: dict[str, Any]) -> dict[str, bytes]:
    """The log's offline proofs (tlog-proof) of the sealing push and of the delivery push."""
    from repo_tools.log import policy, proof

    keys = policy.load(ctx.city.registry_repo)
    wanted = {"sealing.tlog-proof": (row.get("sealing_commit"), row.get("from")), "transmission.tlog-proof": (row.get("commit"), row.get("from"))}
    out: dict[str, bytes] = {}
    for file_name, (oid, unit) in wanted.items():
        if not oid:
            continue
        try:
            out[file_name] = proof.make(ctx.city.log_file, keys, str(oid), str(unit) if unit else None).encode().encode()
        except Refused:
            continue
    return out


@inbox_group.command("open")
@click.argument("ident")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False), default=None, help=say("cli.transmit_commands.inbox_open.1"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.inbox_open.2"))
@pass_ctx
@refusals_exit
def inbox_open(ctx: Context, ident: str, pdf_out: str | None, as_json: bool) -> None:
    """查看公文；收文员首次打开即签收（签收时间 = 首次打开的时间）。"""
    _json_flag(ctx, as_json)
    delivery, first = transmit.open_delivery(ctx.city, ctx.user, ident)
    row = delivery.as_json()
    meta, body, files = transmit.document_of(ctx.city, delivery)
    if pdf_out:
        folder = Path(tempfile.mkdtemp(prefix="oa-p"))
        try:
            transmit.export_document(ctx.city, delivery, folder)
            print_delivery(ctx, {**row, "commit": delivery.commit, "sealing_commit": delivery.record.get("sealing_commit")}, folder, Path(pdf_out))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if ctx.json:
        emit(ctx, {**row, "first_open": first, "pdf": pdf_out})
        return
    show_document(Console(), row, meta, body, files)
    if first:
        click.echo(say("cli.transmit_commands.inbox_open.3", time_received_at=_time(row["received_at"])))
    else:
        click.echo(say("cli.transmit_commands.inbox_open.4", time_received_at=_time(row["received_at"]), received_by=row["received_by"]))
    if pdf_out:
        click.echo(say("cli.transmit_commands.inbox_open.5", pdf_out=pdf_out))


@inbox_group.command("register")
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.inbox_register.1"))
@pass_ctx
@refusals_exit
def inbox_register(ctx: Context, ident: str, as_json: bool) -> None:
    """登记：本单位本年度收文编号、来文单位、文号、标题、紧急程度、收文时间。"""
    _json_flag(ctx, as_json)
    row = transmit.register(ctx.city, ctx.user, ident).as_json()
    emit(
        ctx,
        row,
        say(
            "cli.transmit_commands.inbox_register.2",
            register_label=row["register_label"],
            from_name=row["from_name"],
            number=row["number"],
            title=row["title"],
            value=" " + row["urgency"] if row["urgency"] else "",
            time_received_at=_time(row["received_at"]),
        ),
    )


def _answer(ctx: Context, ident: str, reason: str, action: str) -> None:
    row = transmit.answer(ctx.city, ctx.user, ident, action, reason).as_json()
    emit(
        ctx,
        row,
        say(
            "cli.transmit_commands._answer.1",
            action_verbs=transmit.ACTION_VERBS[action],
            number=row["number"],
            title=row["title"],
            reason=row["reason"],
            from_name=row["from_name"],
        ),
    )


@inbox_group.command("return")
@click.argument("ident")
@click.option("--reason", required=True, help=say("cli.transmit_commands.inbox_return.1"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.inbox_return.2"))
@pass_ctx
@refusals_exit
def inbox_return(ctx: Context, ident: str, reason: str, as_json: bool) -> None:
    """退文：经审核不符合要求的公文退回发文单位，并写明理由。"""
    _json_flag(ctx, as_json)
    _answer(ctx, ident, reason, "returned")


@inbox_group.command("resend-request")
@click.argument("ident")
@click.option("--reason", required=True, help=say("cli.transmit_commands.inbox_resend_request.1"))
@click.option("--json", "as_json", is_flag=True, help=say("cli.transmit_commands.inbox_resend_request.2"))
@pass_ctx
@refusals_exit
def inbox_resend_request(ctx: Context, ident: str, reason: str, as_json: bool) -> None:
    """接收失败时请求发文单位重发（第二十九条）。"""
    _json_flag(ctx, as_json)
    _answer(ctx, ident, reason, "resend-requested")


COMMANDS = [send_cmd, sent_cmd, inbox_group]
