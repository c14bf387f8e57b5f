"""Who may log in, and the Art. 14 rules around passwords: initial passwords set by a unit admin
and changed at the first login, and the lock after 5 consecutive failures, which is the very
account state push authentication uses (lockout.py), so `oa user enable` lifts both."""
from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass
from typing import Any

from repo_tools.city import AUTHORITY, City
from repo_tools.identity import lockout
from repo_tools.messages import Refused, say
from repo_tools.portal.accounts import Accounts, Session

MIN_LENGTH = 10
STATUS_NAMES = {"disabled": say("portal.auth.module.1"), "removed": say("portal.auth.module.2")}


# One attempt at a time per person, from the lock check to the count: otherwise a burst of
# guesses sent together would all pass the check before the fifth failure locks the account,
# and a right guess among them would be told so (the lock limits guesses, not just sessions).
_ATTEMPTS: dict[str, threading.Lock] = {}
_ATTEMPTS_GUARD = threading.Lock()


def _attempt_lock(user: str) -> threading.Lock:
    with _ATTEMPTS_GUARD:  # keys are registered people only: bounded by the registry
        return _ATTEMPTS.setdefault(user, threading.Lock())


@dataclass
class LoginOutcome:
    session: Session | None
    refusal: Refused | None = None
    must_change: bool = False


def account_refusal(city: City, registry: Any, user: str) -> Refused | None:
    """Why `user` may not use the portal now (disabled, removed or locked), or None."""
    person = registry.person(user) if registry is not None else None
    if person is None:
        return Refused("portal-session-ended")
    if person.status != "active":
        return Refused("portal-disabled", user=user, status=STATUS_NAMES.get(person.status, person.status))
    if lockout.is_locked(city.root, user):
        return Refused("portal-locked", user=user, failures=lockout.MAX_FAILURES)
    return None


def login(city: City, registry: Any, accounts: Accounts, user: str, password: str) -> LoginOutcome:
    """Check a password; count a failure against the shared lock-out state; open a session."""
    user = user.strip()
    person = registry.person(user) if user else None
    if person is None:
        accounts.check_password("", password)  # same cost as for a real account
        city.log("portal-login-failed", person=user[:64], detail=say("portal.auth.login.1"))
        return LoginOutcome(None, Refused("portal-login-failed", left=lockout.MAX_FAILURES))
    with _attempt_lock(user):
        return _attempt(city, registry, accounts, user, password)


def _attempt(city: City, registry: Any, accounts: Accounts, user: str, password: str) -> LoginOutcome:
    refusal = account_refusal(city, registry, user)
    if refusal is not None:
        city.log("portal-login-refused", person=user, rule=refusal.rule)
        return LoginOutcome(None, refusal)
    if not accounts.check_password(user, password):
        locked_now = lockout.record_failure(city, user, say("portal.auth.login.2"))
        count = lockout.failures(city.root, user)
        city.log("portal-login-failed", person=user, failures=count)
        if locked_now:
            accounts.end_sessions(user)
            return LoginOutcome(None, Refused("portal-locked", user=user, failures=count))
        return LoginOutcome(None, Refused("portal-login-failed", left=max(0, lockout.MAX_FAILURES - count)))
    if lockout.is_locked(city.root, user):  # locked meanwhile by push authentication (another process)
        city.log("portal-login-refused", person=user, rule="portal-locked")
        return LoginOutcome(None, Refused("portal-locked", user=user, failures=lockout.failures(city.root, user)))
    lockout.record_success(city.root, user)
    session = accounts.open_session(user)
    must = accounts.must_change(user)
    city.log("portal-login", person=user, initial_password=must)
    return LoginOutcome(session, None, must)


def password_problem(old: str, new: str) -> str | None:
    if len(new) < MIN_LENGTH:
        return say("portal.auth.password_problem.1", min_length=MIN_LENGTH)
    if not any(c.isalpha() for c in new) or not any(c.isdigit() for c in new):
        return say("portal.auth.password_problem.2")
    if new == old:
        return say("portal.auth.password_problem.3")
    return None


def change_password(city: City, accounts: Accounts, user: str, old: str, new: str) -> Session:
    """Replace the password; every session of the person ends, and a new one is opened for the
    browser that changed it."""
    if not accounts.check_password(user, old):
        raise Refused("portal-old-password")
    problem = password_problem(old, new)
    if problem:
        raise Refused("portal-weak-password", detail=problem)
    accounts.set_password(user, new, initial=False)
    ended = accounts.end_sessions(user)
    city.log("portal-password-changed", person=user, sessions_ended=ended)
    return accounts.open_session(user)


def generate_password() -> str:
    """12 characters of letters and digits (both present), without look-alikes."""
    letters = "".join(c for c in string.ascii_letters if c not in "lIO")
    digits = "23456789"
    while True:
        text = "".join(secrets.choice(letters + digits) for _ in range(12))
        if any(c in digits for c in text) and any(c in letters for c in text):
            return text


def reset_password(city: City, actor: str, user: str, initial: str | None = None) -> str:
    """Set an initial password (Art. 14): a unit admin of the person's unit or an e-gov admin.
    The person must change it at the next login; their open sessions end now."""
    registry = city.registry()
    person = registry.person(user)
    if person is None:
        raise Refused("not-found", what=say("portal.auth.reset_password.1"), name=user, remedy=say("portal.auth.reset_password.2"))
    unit = registry.unit(person.unit)
    if not (actor == AUTHORITY or registry.is_egov_admin(actor) or (unit is not None and actor in unit.admins)):
        raise Refused("portal-reset-role", user=actor, target=user)
    password = initial if initial is not None else generate_password()
    problem = password_problem("", password)
    if problem:
        raise Refused("portal-weak-password", detail=problem)
    accounts = Accounts(city.root)
    try:
        accounts.set_password(user, password, initial=True)
        ended = accounts.end_sessions(user)
    finally:
        accounts.close()
    city.log("portal-password-reset", person=user, by=actor, sessions_ended=ended)
    return password
