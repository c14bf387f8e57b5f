"""The 收文 register's lock ref (`refs/registers/<year>`): numbers are allocated by moving one ref
with compare-and-swap on its old value, so two registrations that race get distinct numbers,
and the hook refuses a lock moved any other way (Art. 29)."""
from __future__ import annotations

import threading

import pytest
from fixtures import Workspace

from repo_tools import timeutil
from repo_tools.git.repo import PushRefused, Scratch, clean_env, git
from repo_tools.transmit import deliveries as transmit

DOC_DIR = "documents/2026/register-lock"
DOC = """---
type: 通知
title: 六安市人民政府办公室关于做好收文登记工作的通知
recipients:
  - 六安市教育局
date: 2026-11-20
---

请做好收文登记工作。
"""


def opened(ws: Workspace, count: int) -> list[transmit.Delivery]:
    """`count` deliveries of one sealed lagov notice to jyj, each opened by jyj's clerk."""
    ws.land("lagov", "zhang", {f"{DOC_DIR}/index.md": DOC})
    found = []
    for _ in range(count):
        sent = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
        found.append(transmit.open_delivery(ws.city, "zheng", sent.id)[0])
    return found


def lock_of(ws: Workspace, year: int) -> str | None:
    got = transmit.register_lock(ws.city.unit_repo("jyj"), year)
    return got[0] if got else None


def test_a_registration_that_lost_the_race_is_refused_by_the_ref_and_retries_with_the_next_number(
        ws: Workspace) -> None:
    first, second, third = opened(ws, 3)
    year = timeutil.now().year
    assert transmit.register(ws.city, "zheng", first.id).as_json()["register_number"] == 1
    seen = transmit.register_lock(ws.city.unit_repo("jyj"), year)
    assert seen is not None and seen[1] == 1
    # Both clerks' clients read the lock at number 1; the second registration lands first.
    won = transmit._register_once(ws.city, "jyj", "zheng", second, year, 2, seen)
    assert won.step("registered").register["number"] == 2
    before = ws.snapshot()
    with pytest.raises(PushRefused):  # the lock moved: the stale compare-and-swap fails, nothing lands
        transmit._register_once(ws.city, "jyj", "zheng", transmit.reload(ws.city, "jyj", third.id), year, 2, seen)
    assert ws.snapshot()["refs"] == before["refs"]
    # `register` reads the moved lock and takes the next number.
    again = transmit.register(ws.city, "zheng", third.id).as_json()
    assert again["register_number"] == 3 and again["register_label"] == f"收〔{year}〕3号"


def test_two_registrations_at_once_get_distinct_numbers(ws: Workspace) -> None:
    a, b = opened(ws, 2)
    start = threading.Barrier(2)
    numbers: dict[str, int] = {}
    errors: list[BaseException] = []

    def register(ident: str) -> None:
        start.wait()
        try:
            numbers[ident] = transmit.register(ws.city, "zheng", ident).as_json()["register_number"]
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(d.id,)) for d in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(numbers.values()) == [1, 2]
    got = transmit.register_lock(ws.city.unit_repo("jyj"), timeutil.now().year)
    assert got is not None and got[1] == 2


def _hand_register(ws: Workspace, delivery: transmit.Delivery, year: int, number: int, lock: str | None,
                   *, with_lock: bool = True) -> None:
    """A registration pushed by hand (as a forger or a broken client would)."""
    ref = f"refs/receipts/{delivery.from_unit}/{delivery.id}"
    entry = f"action: registered\nby: zheng\nregister: {{year: {year}, number: {number}}}\n".encode()
    with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("zheng")) as scratch:
        commit = scratch.commit({"handling/2-registered.yaml": entry}, "登记", parent=delivery.receipt_tip)
        specs = [f"{commit}:{ref}"]
        if with_lock:
            locked = scratch.commit({}, f"收〔{year}〕{number}号\n\nRegister-Number: {number}\n",
                                    parents=[lock, commit] if lock else [commit], base_tree=commit)
            specs.append(f"{locked}:refs/registers/{year}")
        scratch.push(specs, atomic=True)


def test_hook_refuses_a_lock_that_skips_or_repeats_a_number_and_a_registration_without_the_lock(
        ws: Workspace) -> None:
    first, second = opened(ws, 2)
    year = timeutil.now().year
    transmit.register(ws.city, "zheng", first.id)
    lock = lock_of(ws, year)
    second = transmit.reload(ws.city, "jyj", second.id)
    for number, rule in ((3, "register-lock-invalid"), (1, "register-lock-invalid")):
        before = ws.snapshot()
        with pytest.raises(PushRefused) as exc:
            _hand_register(ws, second, year, number, lock)
        assert f"[{rule}｜" in exc.value.message, exc.value.message
        assert ws.snapshot() == before
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        _hand_register(ws, second, year, 2, lock, with_lock=False)
    assert "[receipt-invalid｜" in exc.value.message and "收文编号锁" in exc.value.message
    assert ws.snapshot() == before
    _hand_register(ws, second, year, 2, lock)  # the one valid move: the next number, with its registration
    assert transmit.register_lock(ws.city.unit_repo("jyj"), year)[1] == 2  # type: ignore[index]


def test_lock_cannot_be_moved_without_a_registration_nor_deleted(ws: Workspace) -> None:
    (first,) = opened(ws, 1)
    year = timeutil.now().year
    transmit.register(ws.city, "zheng", first.id)
    lock = lock_of(ws, year)
    assert lock is not None
    before = ws.snapshot()
    with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("zheng")) as scratch:
        bare = scratch.commit({}, f"收〔{year}〕2号\n\nRegister-Number: 2\n", parents=[lock, lock], base_tree=lock)
        with pytest.raises(PushRefused) as exc:
            scratch.push([f"{bare}:refs/registers/{year}"])
        assert "[register-lock-invalid｜" in exc.value.message
        with pytest.raises(PushRefused) as exc:
            scratch.push([f":refs/registers/{year}"])
        assert "[register-lock-invalid｜" in exc.value.message
    assert ws.snapshot() == before
    assert git("rev-parse", f"refs/registers/{year}", cwd=ws.city.unit_repo("jyj"), env=clean_env()).strip() == lock
