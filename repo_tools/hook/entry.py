"""Entry points of the Git hooks (`python -m repo_tools.hook pre-receive|post-receive|pre-commit`).

The shims in `hooks/` only exec this module; all logic lives here and in `hook/rules/`.
Start-up is part of every push's cost, so this module imports only the paths of the city, the
push and the registry; each rule's module is imported when a push needs it (`hook/rules/`).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from repo_tools import messages, timeutil
from repo_tools.git.push import Push, RefUpdate, hook_env
from repo_tools.git.repo import git
from repo_tools.messages import say
from repo_tools.registry.index import open_registry
from repo_tools.registry.records import Registry
from repo_tools.workspace import City


def _settings(env: dict[str, str]) -> dict[str, str]:
    """The repository's `oa.*` settings in one git run (oa.city, oa.kind, oa.unit)."""
    out = git("config", "--null", "--get-regexp", r"^oa\.", env=env, check=False)
    found: dict[str, str] = {}
    for item in out.split("\0"):
        key, _, value = item.partition("\n")
        if key:
            found[key] = value  # the last one wins, as with `git config --get`
    return found


def _open_push(lines: list[str]) -> Push:
    env = hook_env()
    repo = Path(env.get("GIT_DIR", ".")).resolve()
    settings = _settings(env)
    city = City(Path(settings.get("oa.city", "")))
    kind = settings.get("oa.kind", "")
    unit = settings.get("oa.unit") or None
    updates = [RefUpdate(*line.split()) for line in lines if line.strip()]
    registry = open_registry(city.root)  # record by record: flat in the number of people
    return Push(city=city, repo=repo, kind=kind, unit=unit, updates=updates, registry=registry,
                now=timeutil.now(), env=env)


def _close(registry: Registry) -> None:
    close = getattr(registry, "close", None)
    if close is not None:
        close()


def _finish(push: Push) -> None:
    push.close()
    _close(push.registry)


def _pending_file(push: Push) -> Path | None:
    cert = push.env.get("GIT_PUSH_CERT")
    return push.repo / "oa-pending" / f"{cert}.json" if cert else None


def pre_receive(lines: list[str]) -> int:
    started = time.perf_counter()
    from repo_tools.hook.rules import rules_for
    push = _open_push(lines)
    try:
        try:
            refusals = rules_for(push.kind)(push)
        except Exception as exc:  # noqa: BLE001 - hostile input must be refused, never half-checked
            from repo_tools.hook.rules.base import refusal
            refusals = [refusal("hook-error", say("hook.entry.pre_receive.1"), detail=f"{type(exc).__name__}: {str(exc)[:300]}")]
        _count_authentication(push, refusals)
        if refusals:
            print(messages.REFUSAL_HEADER, file=sys.stderr)
            for item in refusals:
                print(item.text(), file=sys.stderr)
            print(say("hook.entry.pre_receive.2", len_refusals=len(refusals)), file=sys.stderr)
            return 1
        pending = _pending_file(push)
        if pending is not None:
            pending.parent.mkdir(exist_ok=True)
            objects = [c.oid for c in push.new_commits] + [t.oid for _, t in push.new_tags]
            pending.write_text(json.dumps({"objects": objects, "pusher": push.pusher_id,
                                           "checked_at": timeutil.iso(push.now)}))
        _record_timing(push, time.perf_counter() - started)
        return 0
    finally:
        _finish(push)


def _count_authentication(push: Push, refusals: list) -> None:
    """Art. 14: consecutive failed authentications by a registered person lock the account."""
    from repo_tools.identity import lockout
    check = push.certificate_check
    holder = check.holder if check else None
    if holder is None or holder.kind != "person":
        return
    failed = [r for r in refusals if r.rule in ("pusher-key-invalid", "push-cert-invalid")]
    if failed:
        if lockout.record_failure(push.city, holder.id, failed[0].message):
            print(say("hook.entry._count_authentication.1",
                      id=holder.id, max_failures=lockout.MAX_FAILURES),
                  file=sys.stderr)
            _refresh_access(push)
    elif not refusals:
        lockout.record_success(push.city.root, holder.id)


def _deliver(push: Push) -> None:
    """The service's courier: place what this push sent, reflect what it handled, retry."""
    from repo_tools.server import courier
    registry = open_registry(push.city.root)  # as it stands now, after a registry push too
    try:
        done = courier.after_push(push.city, push.kind, push.unit, [u.ref for u in push.updates if not u.is_delete],
                                  registry)
    finally:
        _close(registry)
    if done.queued and any(u.ref.startswith(courier.OUTBOX) for u in push.updates):
        print(say("hook.entry._deliver.1", len_queued=len(done.queued)),
              file=sys.stderr)


def _provision(push: Push) -> None:
    """New units get their repositories, merged and deregistered ones are handed over (the
    service's work, so that it happens whether the admin acted by path or from a clone)."""
    from repo_tools.server import provision
    provision.after_registry_push(push.city, Registry.load(push.city.registry_repo))


def _publish(push: Push) -> None:
    """A served city's site follows every `main` (server/publish.py: a detached, coalesced
    build; the push does not wait for it). The embedded demo builds its site itself."""
    from repo_tools.server.layout import ServiceLayout
    if any(u.ref == "refs/heads/main" for u in push.updates) and ServiceLayout(push.city.root).is_served():
        from repo_tools.server import publish
        publish.request(push.city.root)


def _refresh_access(push: Push) -> None:
    """A served city: SSH access follows the registry (and lock-outs) in this same push."""
    from repo_tools.server import access
    access.refresh(push.city.root)


def _record_timing(push: Push, seconds: float) -> None:
    """For bench/hook.py: the hook's own duration, written only inside the city's bench folder."""
    bench = push.city.root / "server" / "bench"
    if bench.is_dir():
        with (bench / "pre-receive.times").open("a") as handle:
            handle.write(f"{seconds:.4f}\n")


def post_receive(lines: list[str]) -> int:
    push = _open_push(lines)
    try:
        pending = _pending_file(push)
        info = json.loads(pending.read_text()) if pending and pending.exists() else {}
        cert = push.certificate
        check = push.certificate_check
        push.city.log(
            "push", repo=push.unit or "registry", repo_kind=push.kind,
            updates=[{"ref": u.ref, "old": u.old, "new": u.new} for u in push.updates],
            pusher=info.get("pusher") or push.pusher_id,
            key=check.fingerprint if check else None,
            certificate_id=cert.oid if cert else None,
            certificate=cert.text if cert else None,
            objects=info.get("objects", []),
        )
        if pending and pending.exists():
            pending.unlink()
        _log_carried(push, info.get("pusher") or push.pusher_id)
        _carry_countersigns(push)
        _advance_numbers(push)
        if push.kind == "registry":
            from repo_tools.city import refresh_server_keyring
            refresh_server_keyring(push.city)
            _provision(push)
            _refresh_access(push)
        elif any(u.ref == "refs/heads/main" and u.is_create for u in push.updates):
            _refresh_access(push)  # a new unit's first commit: the e-gov admins' write access ends
        _deliver(push)
        _publish(push)
        return 0
    finally:
        _finish(push)


def _advance_numbers(push: Push) -> None:
    """Keep the number index (seal.numbering.NumberIndex) at the new `main`: derived data, so a
    failure is reported and the next push catches up; never a reason to lose this one."""
    main = next((u.new for u in push.updates if u.ref == "refs/heads/main" and not u.is_delete), None)
    if push.kind != "unit" or main is None:
        return
    try:
        from repo_tools.seal.numbering import NumberIndex
        index = NumberIndex(push.repo, push.env, push.reader)
        index.advance(main)
        index.close()
    except Exception as exc:  # noqa: BLE001 - the push is already accepted and logged
        print(say("hook.entry._advance_numbers.1", exc=exc), file=sys.stderr)


def _log_carried(push: Push, pusher: str | None) -> None:
    """The events the command reported with this push (signed in its certificate, checked by
    pre-receive), written by the service right after the push's own entry."""
    cert = push.certificate
    if cert is None or not cert.options:
        return
    from repo_tools.log import carried
    for found in carried.events_in(cert.options):
        if isinstance(found, str):
            continue  # pre-receive refused such a push; never reached
        event, fields = found
        fields = carried.completed(event, fields, [(u.ref, u.new) for u in push.updates])
        if event == "incident":  # the id and the time are the service's (incident/clock.py)
            from repo_tools.incident.clock import INCIDENT_REFS, log_carried
            ref = next((u.ref for u in push.updates if u.ref.startswith(INCIDENT_REFS)), None)
            log_carried(push.city, fields, pusher, ref, pushed_by=pusher, carried_by=cert.oid)
            continue
        push.city.log(event, **fields, pushed_by=pusher, carried_by=cert.oid)


def _carry_countersigns(push: Push) -> None:
    """The service carries 会签 between units (workflow/countersign_delivery.py); a failure is
    reported and retried by the next push, never a reason to lose this one."""
    try:
        from repo_tools.workflow.countersign_delivery import after_push
        after_push(push.city, push.kind, push.unit, push.updates)
    except Exception as exc:  # noqa: BLE001 - the push is already accepted and logged
        print(say("hook.entry._carry_countersigns.1", exc=exc), file=sys.stderr)


def pre_commit() -> int:
    """Client side: the same content rules on the staged files, for fast feedback."""
    from repo_tools.hook.rules.content import check_file
    names = subprocess.run(["git", "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"],
                           capture_output=True).stdout.decode().split("\0")
    found = []
    for name in filter(None, names):
        data = subprocess.run(["git", "show", f":{name}"], capture_output=True).stdout
        found += check_file(name, data)
    found += _document_checks(names)
    if found:
        print(say("hook.entry.pre_commit.1"), file=sys.stderr)
        for item in found:
            print(item.text(), file=sys.stderr)
        return 1
    return 0


def _document_checks(names: list[str]) -> list:
    """Document rules on the staged documents and bulletins (in an `oa clone` work tree)."""
    from repo_tools.documents.worktree_check import check_staged
    city_dir = git("config", "--get", "oa.city", check=False).strip()
    unit_id = git("config", "--get", "oa.unit", check=False).strip()
    if not city_dir or not unit_id or not (Path(city_dir) / "registry.git").is_dir():
        return []
    registry = Registry.load(City(Path(city_dir)).registry_repo)
    unit = registry.unit(unit_id)
    if unit is None:
        return []
    root = Path(git("rev-parse", "--show-toplevel").strip())
    return check_staged(root, unit, registry)


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    which = argv[0] if argv else ""
    if which == "pre-receive":
        return pre_receive(sys.stdin.read().splitlines())
    if which == "post-receive":
        return post_receive(sys.stdin.read().splitlines())
    if which == "pre-commit":
        return pre_commit()
    print(say("hook.entry.main.1", which=which), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
