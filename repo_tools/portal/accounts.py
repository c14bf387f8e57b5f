"""The portal's accounts and sessions, kept by the service (Art. 14), never in the registry:
the registry is readable by everyone, a password hash must not be.

One SQLite file, `CITY/server/portal/portal.sqlite`: SQLite serialises the writers of several
server threads or processes for us, which a JSON file would need a lock and rewrites for.
Passwords are argon2id hashes (argon2-cffi). Sessions are rows the server can delete: a cookie
only carries a signed session id, so logout, a password change, a lock or a disable end the
session at once, and a replayed cookie finds no row.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Each hash takes HASHER.memory_cost KiB (64 MiB) for a moment: at most this many at once, so a
# burst of logins queues instead of taking the machine's memory (the server's thread pool is 40).
HASHING = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
  user TEXT PRIMARY KEY, hash TEXT NOT NULL, must_change INTEGER NOT NULL, changed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  sid TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, created REAL NOT NULL, seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
"""


def portal_dir(city_root: Path) -> Path:
    return Path(city_root) / "server" / "portal"


@dataclass
class Session:
    sid: str
    user: str
    csrf: str
    created: float
    seen: float


class Accounts:
    """Passwords and sessions of one city's portal (safe to share between threads)."""

    def __init__(self, city_root: Path) -> None:
        folder = portal_dir(city_root)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        self.path = folder / "portal.sqlite"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        os.chmod(self.path, 0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, *args: object) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # Passwords ---------------------------------------------------------------------------
    def set_password(self, user: str, password: str, initial: bool) -> None:
        """Store a new hash; an initial password must be changed at the first login."""
        with HASHING:
            digest = HASHER.hash(password)
        self._run("INSERT INTO accounts(user, hash, must_change, changed_at) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(user) DO UPDATE SET hash=excluded.hash, must_change=excluded.must_change, "
                  "changed_at=excluded.changed_at", user, digest, int(initial), time.time())

    def check_password(self, user: str, password: str) -> bool:
        rows = self._run("SELECT hash FROM accounts WHERE user=?", user)
        with HASHING:
            if not rows:
                HASHER.hash(password)  # the same cost as a real check: timing does not reveal who has a password
                return False
            try:
                HASHER.verify(rows[0][0], password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
            rehash = HASHER.hash(password) if HASHER.check_needs_rehash(rows[0][0]) else None
        if rehash is not None:
            self._run("UPDATE accounts SET hash=? WHERE user=?", rehash, user)
        return True

    def must_change(self, user: str) -> bool:
        rows = self._run("SELECT must_change FROM accounts WHERE user=?", user)
        return bool(rows and rows[0][0])

    # Sessions ----------------------------------------------------------------------------
    def open_session(self, user: str) -> Session:
        now = time.time()
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), now, now)
        self._run("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", session.sid, user, session.csrf, now, now)
        return session

    def session(self, sid: str) -> Session | None:
        rows = self._run("SELECT sid, user, csrf, created, seen FROM sessions WHERE sid=?", sid)
        return Session(*rows[0]) if rows else None

    def touch(self, sid: str) -> None:
        self._run("UPDATE sessions SET seen=? WHERE sid=?", time.time(), sid)

    def end_session(self, sid: str) -> None:
        self._run("DELETE FROM sessions WHERE sid=?", sid)

    def end_sessions(self, user: str) -> int:
        with self._lock:
            return self._db.execute("DELETE FROM sessions WHERE user=?", (user,)).rowcount

