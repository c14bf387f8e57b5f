"""Chapter: the witnessed event log. `oa log verify`, an offline proof of the regulation's
sealing push checked with the registry's keys alone, and what the witnesses do when the
operator rewrites history (on a copy of the log, so the demo city stays intact)."""
from __future__ import annotations

import json
import shutil

from repo_tools.demo.state import DemoState
from repo_tools.log import audit, policy, proof, store, witness
from repo_tools.messages import Refused, say


def run(state: DemoState) -> None:
    city = state.city
    state.chapter(say("demo.log.run.1"))
    keys = policy.load(city.registry_repo)
    checked = audit.audit(city.log_file, keys)
    if checked.problems:
        raise RuntimeError(say("demo.log.run.2") + "；".join(p.message for p in checked.problems))
    state.ok(say("demo.log.run.3",
                 leaves=checked.leaves, checkpoints=checked.checkpoints, quorum=keys.quorum, witnessed_size=checked.witnessed_size))
    sealed = [s for s in state.facts.get("sealed", []) if s.get("unit") == "lagov"]
    if sealed:
        made = proof.make(city.log_file, keys, sealed[0]["merge"], "lagov")
        out = state.root / "regulation.tlog-proof"
        out.write_text(made.encode(), encoding="utf-8")
        result = proof.check(out.read_text(encoding="utf-8"), keys, sealed[0]["merge"])
        state.ok(say("demo.log.run.4", sealed_0_get=sealed[0].get('number', ''), out=out))
        state.ok("oa verify --proof：" + proof.render(result))
    _tampering(state)
    state.fact(say("demo.log.run.5"))


def _tampering(state: DemoState) -> None:
    """The operator rewrites an old entry and recomputes everything, on a copy of the log."""
    city = state.city
    holder = next((w for w in state.sample.get("witnesses", []) if w["unit"] == "lagov"), None)
    if holder is None:
        return
    lab = state.root / "tamper-lab"
    if lab.exists():
        shutil.rmtree(lab)
    shutil.copytree(city.root / "log", lab / "log", ignore=shutil.ignore_patterns("*.lock"))
    (lab / "server").mkdir(parents=True)
    shutil.copy(city.root / "server" / store.KEY_FILE, lab / "server" / store.KEY_FILE)
    shutil.copytree(witness.default_state_dir(city.root, holder["holder"]), lab / "witness")
    events = lab / "log" / "events.jsonl"
    lines = events.read_bytes().split(b"\n")
    entry = json.loads(lines[2])
    entry["time"] = "2012-01-01T00:00:00+08:00"
    lines[2] = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
    events.write_bytes(b"\n".join(lines))
    for derived in ("store", "tile", "checkpoint", "checkpoints"):
        path = lab / "log" / derived
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    store.update(events)  # the operator's server recomputes the tree and signs a new checkpoint
    try:
        witness.run(lab, city.registry_repo, "lagov", holder["holder"], lab / "witness")
        raise RuntimeError(say("demo.log._tampering.1"))
    except Refused as exc:
        state.refused(say("demo.log._tampering.2"), exc.text())
    given = [(say("demo.log._tampering.3"), (lab / "witness" / "lagov.checkpoint").read_text(encoding="utf-8"))]
    found = audit.audit(events, policy.load(city.registry_repo), given)
    state.refused(say("demo.log._tampering.4"),
                  "\n".join(p.message for p in found.problems))
