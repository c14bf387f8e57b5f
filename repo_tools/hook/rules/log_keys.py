"""Registry rule for the log's keys: the log's verifier key, once registered, is never changed or
removed (every checkpoint and proof ever issued is checked with it); a unit's witness key is a
cosigner key named for that unit beside the log; the quorum is a whole number of witnesses."""
from __future__ import annotations

from collections.abc import Iterator

import yaml

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.log import note, policy, witness
from repo_tools.messages import say


def log_keys_valid(push: Push) -> Iterator[Refusal]:
    old = policy.load(push.city.registry_repo)
    for changed in push.changed_files:
        path = changed.path
        if path != policy.LOG_KEY and path != policy.SETTINGS and not path.startswith(policy.WITNESSES):
            continue
        data = push.blob(changed.blob).decode("utf-8", "replace") if changed.blob else None
        if path == policy.LOG_KEY:
            if old.log_key is not None and (data is None or data.strip() != old.log_key.text()):
                yield refusal("registry-log-key", path, path=path)
                continue
            if data is not None:
                yield from _key(path, data, note.ALG_ED25519, None)
        elif path == policy.SETTINGS:
            try:
                quorum = (yaml.safe_load(data or "") or {}).get("witness_quorum", policy.DEFAULT_QUORUM)
                ok = isinstance(quorum, int) and quorum >= 1
            except (yaml.YAMLError, AttributeError):
                ok = False
            if not ok:
                yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_log_keys.log_keys_valid.1"))
        elif data is not None:
            unit = path[len(policy.WITNESSES):].removesuffix(".pub")
            if not path.endswith(".pub") or push.registry.unit(unit) is None:
                yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_log_keys.log_keys_valid.2"))
                continue
            want = witness.witness_name(old.log_key.name, unit) if old.log_key else None
            yield from _key(path, data, note.ALG_COSIGNATURE_V1, want)


def _key(path: str, data: str, alg: int, name: str | None) -> Iterator[Refusal]:
    try:
        key = note.Verifier.parse(data)
    except note.NoteError as exc:
        yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_log_keys._key.1", exc=exc))
        return
    if key.alg != alg:
        yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_log_keys._key.2", alg=alg))
    elif name is not None and key.name != name:
        yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_log_keys._key.3", name=name))
