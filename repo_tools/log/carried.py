"""Events a command reports about its own push (delivery sent, certificate issued, seal merged...),
carried **in** that push and written to the log by the service when the push arrives.

A person acting from a clone over SSH cannot write the city's log (no file of the city is theirs),
and a command that appended to the log itself would let a person write whatever they liked there.
So the command wraps its push in `carry(event, **fields)`; `git.repo.push` sends each carried event
as a push option (`oa-event=<base64 JSON>`), which git writes into the push certificate the
pusher signs. The hook reads the options from the certificate it re-verified with the server
keyring (never from `GIT_PUSH_OPTION_*`, which a path-transport pusher sets), refuses a push
whose event is malformed or not one a command may report, and `post-receive` appends each
event right after the push's own entry, with who pushed and which certificate carried it.
The same path serves the path transport: one way, not two.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from repo_tools.messages import say

OPTION = "oa-event="
PART = "oa-event-part="   # one piece of a longer event: oa-event-part=<k>/<n>/<digest>:<base64 piece>
MAX_OPTION = 16 * 1024    # base64 characters in one push option (a pkt-line holds < 64 KiB)
# One event, JSON bytes. A longer event travels in pieces of MAX_OPTION, each its own push
# option inside the signed certificate. receive-pack hands every option to the hooks in the
# environment (GIT_PUSH_OPTION_<i>), which the kernel bounds (ARG_MAX, 2 MiB here), so one event
# stays under 768 KiB (about 25,000 archive items in one batch).
MAX_BYTES = 768 * 1024
MAX_ENCODED = MAX_BYTES * 4 // 3 + 4
# `<k>/<n>/<digest>:` in ASCII digits only (str.isdigit() also takes "²", which int() refuses);
# the digest (of the whole encoded event) binds every piece to its event: pieces of two events
# spliced into one run are refused, even when they are of the same length.
PIECE = re.compile(r"([1-9][0-9]{0,3})/([1-9][0-9]{0,3})/([0-9a-f]{16}):", re.ASCII)


def _digest(encoded: str) -> str:
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()[:16]

# What a command may report about its own push. Anything else (a push, a delivery placement,
# a lock-out, a portal login) is the service's to write.
COMMAND_EVENTS = frozenset({
    "delivery-sent", "delivery-received", "delivery-registered", "delivery-returned",
    "delivery-resend-requested", "certificate", "seal", "merge", "archive", "archive-access",
    "unit", "person", "incident",
})
# Fields the log itself sets: a carried event can never choose its own time or place in the chain.
RESERVED = frozenset({"seq", "time", "type", "prev", "hash", "objects", "certificate", "certificate_id",
                      "pushed_by", "carried_by", "event", "self", "log_file"})

_PENDING: ContextVar[tuple[dict[str, Any], ...]] = ContextVar("oa_carried_events", default=())


@contextmanager
def carry(event: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Carry `event` with the next accepted push made inside this block."""
    entry = {"event": event, "fields": fields, "sent": False}
    token = _PENDING.set((*_PENDING.get(), entry))
    try:
        yield entry
    finally:
        _PENDING.reset(token)


def push_options() -> tuple[list[str], list[dict[str, Any]]]:
    """The options for the next push and the pending entries they stand for (marked sent by
    `sent` once the push is accepted, so a retried push after a refusal carries them again)."""
    waiting = [e for e in _PENDING.get() if not e["sent"]]
    options = [o for e in waiting for o in options_for(encode(e["event"], e["fields"]))]
    return options, waiting


def options_for(encoded: str) -> list[str]:
    """One push option, or the pieces of a longer event in order."""
    if len(encoded) <= MAX_OPTION:
        return [OPTION + encoded]
    pieces = [encoded[i:i + MAX_OPTION] for i in range(0, len(encoded), MAX_OPTION)]
    digest = _digest(encoded)
    return [f"{PART}{k}/{len(pieces)}/{digest}:{piece}" for k, piece in enumerate(pieces, start=1)]


def sent(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        entry["sent"] = True


def encode(event: str, fields: dict[str, Any]) -> str:
    body = json.dumps({"type": event, **fields}, ensure_ascii=False, sort_keys=True, default=str)
    return base64.b64encode(body.encode("utf-8")).decode("ascii")


def decode(option: str) -> tuple[str, dict[str, Any]] | str:
    """(event, fields) from one `oa-event=` option, or why it is refused."""
    raw = option[len(OPTION):]
    if len(raw) > MAX_ENCODED:
        return say("log.carried.decode.1")
    try:
        data = json.loads(base64.b64decode(raw, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return say("log.carried.decode.2")  # RecursionError: arrays nested thousands deep
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return say("log.carried.decode.3")
    event = data.pop("type")
    if event not in COMMAND_EVENTS:
        return say("log.carried.decode.4", value=event[:40])
    if RESERVED & set(data):
        return say("log.carried.decode.5", value_join='、'.join(sorted(RESERVED & set(data))))
    return event, data


def events_in(options: tuple[str, ...]) -> list[tuple[str, dict[str, Any]] | str]:
    """Every carried event of a certificate's push options (decoded, or why refused): a
    longer event is its pieces joined, which must come 1..n in order, all of them, each once,
    with the same n and digest, and the whole must have that digest (a piece missing, repeated,
    out of place or of another event breaks the run: refused)."""
    found: list[tuple[str, dict[str, Any]] | str] = []
    pieces: list[str] = []
    total, digest = 0, ""
    for option in options:
        if option.startswith(OPTION):
            if pieces:
                found.append(say("log.carried.events_in.1"))
                pieces = []
            found.append(decode(option))
            continue
        if not option.startswith(PART):
            continue
        match = PIECE.match(option, len(PART))
        if match is None or int(match[1]) != len(pieces) + 1 or int(match[2]) < 2 \
                or (pieces and (int(match[2]), match[3]) != (total, digest)):
            found.append(say("log.carried.events_in.1"))
            pieces = []
            continue
        total, digest = int(match[2]), match[3]
        pieces.append(option[match.end():])
        if sum(len(p) for p in pieces) > MAX_ENCODED:
            found.append(say("log.carried.decode.1"))
            pieces = []
            continue
        if len(pieces) == total:
            whole = "".join(pieces)
            found.append(decode(OPTION + whole) if _digest(whole) == digest else say("log.carried.events_in.1"))
            pieces = []
    if pieces:
        found.append(say("log.carried.events_in.1"))
    return found


def completed(event: str, fields: dict[str, Any], updates: list[tuple[str, str]]) -> dict[str, Any]:
    """What the service adds from the push itself (never from the pusher's say-so): the commit
    and id of a delivery are those of the outbox ref the push created."""
    if event == "delivery-sent":
        prefix = f"refs/outbox/{fields.get('to')}/"
        for ref, new in updates:
            if ref.startswith(prefix):
                return {**fields, "id": ref[len(prefix):], "commit": new}
    if event == "archive":  # the package's commit on main and its signed archive tag
        moved = dict(updates)
        return {**fields, "commit": moved.get("refs/heads/main"), "tag_object": moved.get(str(fields.get("tag")))}
    return fields
