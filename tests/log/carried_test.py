"""Events carried in a push (log/carried.py): what a command may report, and what it never may."""
from __future__ import annotations

import base64
import json

from repo_tools.git.push import PushCertificate
from repo_tools.log import carried


def _option(body: object) -> str:
    return carried.OPTION + base64.b64encode(json.dumps(body).encode()).decode()


def test_a_carried_event_round_trips_only_inside_its_push() -> None:
    assert carried.push_options() == ([], [])
    with carried.carry("delivery-sent", to="jyj", number="六政办〔2026〕1号"):
        options, entries = carried.push_options()
        assert len(options) == 1
        assert carried.decode(options[0]) == ("delivery-sent", {"to": "jyj", "number": "六政办〔2026〕1号"})
        carried.sent(entries)  # the push was accepted: a later push in the block carries nothing
        assert carried.push_options() == ([], [])
    assert carried.push_options() == ([], [])


def test_a_refused_push_carries_its_event_again_on_the_retry() -> None:
    with carried.carry("merge", request=3):
        first, _ = carried.push_options()   # refused: not marked sent
        again, entries = carried.push_options()
        assert first == again and len(entries) == 1


def test_events_a_command_may_not_report_are_refused() -> None:
    for body, why in (({"type": "push", "objects": []}, "不能由推送者报告"),
                      ({"type": "delivery-placed"}, "不能由推送者报告"),
                      ({"type": "merge", "time": "2000-01-01T00:00:00+08:00"}, "只能由日志自己写入"),
                      ({"type": "certificate", "seq": 1}, "只能由日志自己写入"),
                      ({"type": "seal", "pushed_by": "someone"}, "只能由日志自己写入"),
                      ({"no": "type"}, "缺少事件类型"),
                      (["merge"], "缺少事件类型")):
        got = carried.decode(_option(body))
        assert isinstance(got, str) and why in got, (body, got)
    assert "编码" in str(carried.decode(carried.OPTION + "***"))
    assert carried.decode(carried.OPTION + "A" * (carried.MAX_BYTES * 2)) == "过长"


def test_the_service_takes_a_deliverys_id_and_commit_from_the_push() -> None:
    fields = carried.completed("delivery-sent", {"to": "jyj", "id": "forged", "commit": "f" * 40},
                               [("refs/outbox/jyj/abc123", "a" * 40), ("refs/heads/draft", "b" * 40)])
    assert fields["id"] == "abc123" and fields["commit"] == "a" * 40
    archive = carried.completed("archive", {"tag": "refs/tags/archive/2026"},
                                [("refs/heads/main", "c" * 40), ("refs/tags/archive/2026", "d" * 40)])
    assert archive["commit"] == "c" * 40 and archive["tag_object"] == "d" * 40


def test_push_options_are_read_from_the_signed_certificate() -> None:
    raw = (b"certificate version 0.1\npusher ABC 1 +0000\npushee /x.git\nnonce 1-ab\n"
           b"push-option oa-event=e30=\npush-option other\n\n"
           + b"0" * 40 + b" " + b"1" * 40 + b" refs/heads/x\n-----BEGIN PGP SIGNATURE-----\nx\n")
    cert = PushCertificate.parse("c" * 40, raw)
    assert cert.options == ("oa-event=e30=", "other") and cert.nonce == "1-ab"
    assert [u.ref for u in cert.updates] == ["refs/heads/x"]
    assert carried.events_in(cert.options) == ["缺少事件类型"]


def test_a_long_event_travels_in_pieces_and_comes_back_whole() -> None:
    body = {"items": [f"六政办-2026-Y-{n:05d}" for n in range(3000)]}   # > 16 KiB: many options
    with carried.carry("archive", **body):
        options, _ = carried.push_options()
    assert len(options) > 3 and all(o.startswith(carried.PART) and len(o) <= carried.MAX_OPTION + 40 for o in options)
    assert carried.events_in(tuple(options)) == [("archive", body)]
    assert carried.events_in(tuple(["other", *options, "oa-event=e30="])) == [("archive", body), "缺少事件类型"]
    broken = "分段携带的事件不完整或顺序有误"
    assert carried.events_in(tuple(options[:-1])) == [broken]                       # a piece missing
    assert broken in carried.events_in(tuple([options[1], options[0], *options[2:]]))   # out of order
    assert broken in carried.events_in(tuple([options[0], "oa-event=e30=", *options[1:]]))
    too_long = carried.options_for("A" * (carried.MAX_BYTES * 2))
    got = carried.events_in(tuple(too_long))
    assert got[0] == "过长" and all(isinstance(g, str) for g in got)


def test_a_long_event_is_logged_whole_by_the_service(ws) -> None:  # type: ignore[no-untyped-def]
    """Through a real push and the real hook (the path transport): an event of ~120 KB, in
    pieces inside the signed certificate, is one log entry."""
    import json as _json

    from repo_tools.git.repo import Scratch
    reason = "长" * 40000
    signer = ws.city.signer("zhang")
    with Scratch(ws.city.unit_repo("lagov"), signer) as scratch:
        commit = scratch.commit({"notes/long.md": b"x\n"}, "草稿")
        with carried.carry("archive-access", unit="lagov", item="x", reader="zhang", reason=reason):
            scratch.push([f"{commit}:refs/heads/draft/long-event"])
    last = _json.loads(ws.city.log_file.read_text(encoding="utf-8").splitlines()[-1])
    assert last["type"] == "archive-access" and last["reason"] == reason and last["pushed_by"] == "zhang"


def test_malformed_pieces_are_refused_never_half_read() -> None:
    """Every broken run of pieces is one refusal in Chinese (never an exception the hook would
    turn into an internal error): a repeated piece, a piece of another event spliced in, digits
    int() does not read, a nesting json cannot decode. A well-formed run still comes back."""
    body = {"items": [f"六政办-2026-Y-{n:05d}" for n in range(3000)]}
    other = {"items": [f"六教局-2026-Y-{n:05d}" for n in range(3000)]}
    with carried.carry("archive", **body):
        options, _ = carried.push_options()
    with carried.carry("archive", **other):
        others, _ = carried.push_options()
    assert len(options) == len(others) >= 3
    broken = "分段携带的事件不完整或顺序有误"
    for run in ([options[0], *options],                                 # the first piece twice
                [*options[:-1], options[-2], options[-1]],              # a middle piece twice
                [options[0], others[1], *options[2:]],                  # another event's piece
                [*others[:2], *options[2:]],                            # two events spliced
                [f"{carried.PART}1/2/{'0' * 16}:e30", f"{carried.PART}2/2/{'0' * 16}:="],  # wrong digest
                [options[0].replace("1/", "²/", 1), *options[1:]],      # not ASCII digits
                [f"{carried.PART}1/{'9' * 5000}/{'0' * 16}:e30="],      # more digits than int() reads
                [options[0].replace("1/", "0/", 1), *options[1:]],
                [f"{carried.PART}1/1/{'0' * 16}:e30="]):                # one piece is not a run
        got = carried.events_in(tuple(run))
        assert got and all(isinstance(g, str) for g in got), run[:1]
        assert broken in got or "编码" in " ".join(got), got
    assert carried.events_in(tuple(options)) == [("archive", body)]
    nested = carried.OPTION + base64.b64encode(b"[" * 12000).decode()
    assert carried.decode(nested) == "不是有效的编码"
    assert carried.events_in((nested, *options)) == ["不是有效的编码", ("archive", body)]
