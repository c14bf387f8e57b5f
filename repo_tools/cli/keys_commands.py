"""`oa cert issue/revoke`, `oa seal issue/rotate/revoke/destroy/list/image`, `oa verify`,
`oa keys export`: keys and seals over time."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from repo_tools.cli.context import Context, emit, pass_ctx, refusals_exit
from repo_tools.identity import certificates
from repo_tools.messages import say
from repo_tools.seal import seals


@click.group("cert")
def cert_group() -> None:
    """数字证书的新办、补发与注销（第二十四至二十六条）。"""


@cert_group.command("issue")
@click.argument("user_id")
@click.option("--approved-by", required=True, help=say("cli.keys_commands.cert_issue.1"))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help=say("cli.keys_commands.cert_issue.2"))
@pass_ctx
@refusals_exit
def cert_issue(ctx: Context, user_id: str, approved_by: str, key_file: str | None) -> None:
    """新办或补发数字证书（原有效证书同时以“更换”作废）。"""
    record = certificates.issue(ctx.city, ctx.user, user_id, approved_by, Path(key_file) if key_file else None)
    emit(ctx, {"user": user_id, "fingerprint": record.fingerprint, "valid_from": record.valid_from,
               "approved_by": approved_by},
         say("cli.keys_commands.cert_issue.3",
             user_id=user_id, fingerprint=record.fingerprint, valid_from=record.valid_from, approved_by=approved_by))


@cert_group.command("revoke")
@click.argument("user_id")
@click.option("--reason", required=True, type=click.Choice(list(certificates.REASONS)))
@click.option("--compromised-since", default=None, help=say("cli.keys_commands.cert_revoke.1"))
@click.option("--approved-by", required=True, help=say("cli.keys_commands.cert_revoke.2"))
@click.option("--key", "fingerprint", default=None, help=say("cli.keys_commands.cert_revoke.3"))
@pass_ctx
@refusals_exit
def cert_revoke(ctx: Context, user_id: str, reason: str, compromised_since: str | None, approved_by: str,
                fingerprint: str | None) -> None:
    """注销数字证书：此前的签名仍然有效（泄露时可用 --compromised-since 作废此后的签名）。"""
    key = certificates.revoke(ctx.city, ctx.user, user_id, reason, approved_by, compromised_since, fingerprint)
    emit(ctx, {"user": user_id, "fingerprint": key.fingerprint, "revoked_at": key.revoked_at,
               "reason": reason, "compromised_since": key.compromised_since},
         say("cli.keys_commands.cert_revoke.4",
             user_id=user_id, fingerprint=key.fingerprint, reasons=certificates.REASONS[reason], revoked_at=key.revoked_at))


@click.group("seal")
def seal_group() -> None:
    """电子印章的制作、更换、作废与销毁（第十七至二十三条）。"""


@seal_group.command("issue")
@click.argument("unit_id")
@click.option("--custodian", required=True, help=say("cli.keys_commands.seal_issue.1"))
@click.option("--approved-by", required=True, help=say("cli.keys_commands.seal_issue.2"))
@pass_ctx
@refusals_exit
def seal_issue(ctx: Context, unit_id: str, custodian: str, approved_by: str) -> None:
    """制作电子印章，或为现有印章指定保管人。"""
    seal = seals.issue(ctx.city, ctx.user, unit_id, custodian, approved_by)
    emit(ctx, seals.describe(ctx.city.registry(), unit_id)[-1] if ctx.json else None,
         say("cli.keys_commands.seal_issue.3",
             id=seal.id, custodian=seal.custodian, fingerprint=seal.key.fingerprint))


@seal_group.command("rotate")
@click.argument("unit_id")
@click.option("--reason", required=True, type=click.Choice(["lost", "damaged", "custodian-change", "unit-change", "compromised"]))
@click.option("--custodian", default=None, help=say("cli.keys_commands.seal_rotate.1"))
@click.option("--approved-by", required=True, help=say("cli.keys_commands.seal_rotate.2"))
@pass_ctx
@refusals_exit
def seal_rotate(ctx: Context, unit_id: str, reason: str, custodian: str | None, approved_by: str) -> None:
    """更换电子印章：启用新密钥，旧印章同时作废（此前盖的章仍然有效）。"""
    seal = seals.rotate(ctx.city, ctx.user, unit_id, reason, approved_by, custodian)
    emit(ctx, {"seal": seal.id, "fingerprint": seal.key.fingerprint, "custodian": seal.custodian},
         say("cli.keys_commands.seal_rotate.3", id=seal.id, custodian=seal.custodian))


@seal_group.command("revoke")
@click.argument("unit_id")
@click.option("--reason", required=True, type=click.Choice(list(seals.REASONS)))
@click.option("--approved-by", required=True, help=say("cli.keys_commands.seal_revoke.1"))
@pass_ctx
@refusals_exit
def seal_revoke(ctx: Context, unit_id: str, reason: str, approved_by: str) -> None:
    """作废单位的有效电子印章：此后不能再用它盖章。"""
    seal = seals.revoke(ctx.city, ctx.user, unit_id, reason, approved_by)
    emit(ctx, {"seal": seal.id, "status": seal.status, "revoked_at": seal.key.revoked_at},
         say("cli.keys_commands.seal_revoke.2", id=seal.id, revoked_at=seal.key.revoked_at))


@seal_group.command("destroy")
@click.argument("unit_id")
@click.option("--seal", "seal_id", default=None, help=say("cli.keys_commands.seal_destroy.1"))
@pass_ctx
@refusals_exit
def seal_destroy(ctx: Context, unit_id: str, seal_id: str | None) -> None:
    """在印章销毁记录上签名；市政府办公室、电子政务办公室和所属单位三方签齐即完成销毁（第二十条）。"""
    seal = seals.destroy(ctx.city, ctx.user, unit_id, seal_id)
    done = seal.status == "destroyed"
    emit(
        ctx,
        {"seal": seal.id, "status": seal.status, "witnesses": seal.destruction_witnesses},
        say(
            "cli.keys_commands.seal_destroy.2",
            value=say("cli.keys_commands.seal_destroy.3") + seal.id + say("cli.keys_commands.seal_destroy.4")
            if done
            else say("cli.keys_commands.seal_destroy.5"),
            value_join="、".join(seal.destruction_witnesses),
        ),
    )


@seal_group.command("list")
@click.option("--unit", "unit_id", default=None)
@pass_ctx
@refusals_exit
def seal_list(ctx: Context, unit_id: str | None) -> None:
    """列出电子印章及其状态。"""
    rows = seals.describe(ctx.city.registry(), unit_id)
    if ctx.json:
        emit(ctx, rows)
        return
    for r in rows:
        click.echo(
            say(
                "cli.keys_commands.seal_list.1",
                id=r["id"],
                status=r["status"],
                value=r["custodian"] or say("cli.keys_commands.seal_list.2"),
                fingerprint=r["fingerprint"],
                valid_from=r["valid_from"],
                value2=r["revoked_at"] or say("cli.keys_commands.seal_list.3"),
            )
        )


@seal_group.command("image")
@click.argument("unit_id")
@click.argument("out", type=click.Path(dir_okay=False))
@pass_ctx
@refusals_exit
def seal_image_cmd(ctx: Context, unit_id: str, out: str) -> None:
    """按国发〔1999〕25号绘制单位印章图样（.svg 或 .png）。"""
    from repo_tools.messages import Refused
    from repo_tools.seal.image import seal_png, seal_svg

    unit = ctx.city.registry().unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("cli.keys_commands.seal_image_cmd.1"), name=unit_id, remedy=say("cli.keys_commands.seal_image_cmd.2"))
    if out.lower().endswith(".svg"):
        Path(out).write_text(seal_svg(unit.name, unit.level), encoding="utf-8")
    else:
        seal_png(unit.name, unit.level, out)
    emit(ctx, {"unit": unit_id, "file": out}, say("cli.keys_commands.seal_image_cmd.3", out=out))


@click.command("verify")
@click.option("--unit", "unit_id", default=None, help=say("cli.keys_commands.verify_cmd.1"))
@click.argument("target", required=False)
@click.option("--json", "as_json", is_flag=True, help=say("cli.keys_commands.verify_cmd.2"))
@click.option("--proof", "proof_file", default=None, type=click.Path(dir_okay=False, exists=True), help=say("cli.keys_commands.verify_cmd.3"))
@pass_ctx
@refusals_exit
def verify_cmd(ctx: Context, unit_id: str | None, target: str | None, as_json: bool, proof_file: str | None) -> None:
    """验证报告：每个提交、标签和推送证书的签名人、密钥、角色、可信时间与有效性；每份公文的文号、印章与审批意见。"""
    from repo_tools.verify import report as verify

    ctx.json = ctx.json or as_json
    if proof_file is not None:
        from repo_tools.log import policy, proof

        result = proof.check(Path(proof_file).read_text(encoding="utf-8"), policy.load(ctx.city.registry_repo), target)
        emit(ctx, {**result.__dict__}, proof.render(result))
        if not (result.ok and result.witnessed):
            sys.exit(1)
        return
    if not ctx.json and target is None:  # the text report, reused while its inputs are unchanged
        text, ok = verify.text_report(ctx.city, unit_id)
        click.echo(text)
        if not ok:
            sys.exit(1)
        return
    report = verify.verify(ctx.city, unit_id, target)
    if ctx.json:
        emit(ctx, report)
    else:
        click.echo(verify.render_text(report))
    if not report["ok"]:
        sys.exit(1)


@click.group("keys")
def keys_group() -> None:
    """密钥环导出（不依赖本系统即可验证）。"""


@keys_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@pass_ctx
@refusals_exit
def keys_export(ctx: Context, directory: str) -> None:
    """导出只含登记系统公钥的 GnuPG 目录：GNUPGHOME=目录 git verify-commit/verify-tag 即可验证。"""
    from repo_tools.identity.keyring_export import export

    count = export(ctx.city, Path(directory))
    emit(
        ctx,
        {"directory": str(Path(directory).resolve()), "keys": count},
        say("cli.keys_commands.keys_export.1", count=count, path_directory_resolve=Path(directory).resolve()),
    )


COMMANDS = [cert_group, seal_group, verify_cmd, keys_group]
