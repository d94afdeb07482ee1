"""Console sessions and the login throttle in a shared database, for several instances.

On PostgreSQL (``Database.shared``) nginx may send a console user's next request to another
instance, so the session made on one must be known to all, and failed logins must count across
all of them, or N instances would allow N times the attempts. Both then live in the database,
with the same interface and rules as the in-memory ones (``sessions.py``), which the embedded
journal keeps using. Times are wall-clock (``time.time()``), since instances share no monotonic
clock; only hashes are stored (the session id's, the client address's), never the cookie or the
address itself. A session's ``seen`` is written at most once a minute (``TOUCH_SECONDS``), so
a console page costs no write per request; the idle timeout may therefore end up to a minute early.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from forms_api.admin.accounts import Accounts, Admin
from forms_api.admin.sessions import (
    ABSOLUTE_SECONDS,
    IDLE_SECONDS,
    FailedLogins,
    Session,
    SessionStore,
    _key,
)
from forms_api.storage import Database

#: How stale an instance's view of the admins may be: an admin added or removed (by
#: `portal admin` or another instance) counts everywhere within this many seconds.
ACCOUNTS_SECONDS = 5.0
SESSIONS = "admin_sessions"
FAILED_LOGINS = "admin_failed_logins"
TOUCH_SECONDS = 60.0


class SharedAccounts(Accounts):
    """``Accounts`` re-read from ``db`` when older than ``ACCOUNTS_SECONDS``."""

    def __init__(self, db: Database, bootstrap_token: str | None) -> None:
        super().__init__(bootstrap_token)
        self._db = db
        self._loaded = float("-inf")

    def load(self, db: Database) -> None:
        super().load(db)
        self._loaded = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded > ACCOUNTS_SECONDS:
            self.load(self._db)

    def authenticate(self, token: str | None) -> Admin | None:
        self._fresh()
        return super().authenticate(token)

    def active(self, admin: Admin) -> bool:
        self._fresh()
        return super().active(admin)


class SharedSessionStore(SessionStore):
    """``SessionStore`` whose sessions live in ``db`` (table ``admin_sessions``)."""

    def __init__(self, db: Database, idle: float = IDLE_SECONDS,
                 absolute: float = ABSOLUTE_SECONDS) -> None:
        super().__init__(idle, absolute)
        self._db = db

    def _expired(self, doc: dict[str, Any], now: float) -> bool:
        return bool(now - float(doc["seen"]) > self.idle
                    or now - float(doc["created"]) > self.absolute)

    def create(self, admin: Admin) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        session = Session(admin, secrets.token_urlsafe(32), now, now)
        table = self._db.table(SESSIONS)
        with self._db.transaction():
            for doc in table.all():
                if self._expired(doc, now):
                    table.remove_id(doc["id"])
            table.insert({"id": _key(session_id), "admin_id": admin.id,
                          "admin_name": admin.name, "csrf": session.csrf,
                          "created": now, "seen": now})
        return session_id, session

    def get(self, session_id: str | None, accounts: Accounts) -> Session | None:
        if not session_id or len(session_id) > 100:
            return None
        key = _key(session_id)
        now = time.time()
        table = self._db.table(SESSIONS)
        doc = table.get_id(key)
        if doc is None:
            return None
        session = Session(Admin(str(doc["admin_id"]), str(doc["admin_name"])), str(doc["csrf"]),
                          float(doc["created"]), float(doc["seen"]))
        if self._expired(doc, now) or not accounts.active(session.admin):
            table.remove_id(key)
            return None
        if now - session.seen > TOUCH_SECONDS:
            table.update_id(key, {"seen": now})
        session.seen = now
        return session

    def drop(self, session_id: str | None) -> None:
        if session_id:
            self._db.table(SESSIONS).remove_id(_key(session_id))


def _client_key(client: str) -> str:
    return hashlib.sha256(client.encode("utf-8")).hexdigest()


class SharedFailedLogins(FailedLogins):
    """``FailedLogins`` counted in ``db`` (table ``admin_failed_logins``), across instances."""

    def __init__(self, db: Database, limit: int = 10, window: float = 15 * 60) -> None:
        super().__init__(limit, window)
        self._db = db

    def _recent(self, doc: dict[str, Any] | None, now: float) -> list[float]:
        times = [] if doc is None else [float(t) for t in doc["times"]]
        return [t for t in times if now - t <= self.window]

    def retry_after(self, client: str) -> int:
        now = time.time()
        times = self._recent(self._db.table(FAILED_LOGINS).get_id(_client_key(client)), now)
        if len(times) < self.limit:
            return 0
        return max(1, int(self.window - (now - times[0])) + 1)

    def fail(self, client: str) -> None:
        now = time.time()
        key = _client_key(client)
        table = self._db.table(FAILED_LOGINS)
        with self._db.transaction():
            found = table.get_id(key)
            times = [*self._recent(found, now), now][-self.limit:]
            if found is None:
                table.insert({"id": key, "times": times})
            else:
                table.update_id(key, {"times": times})

    def succeed(self, client: str) -> None:
        self._db.table(FAILED_LOGINS).remove_id(_client_key(client))
