"""Console sessions: server-side, in memory, with CSRF tokens, timeouts and login throttling.

The cookie holds only a random session id (256 bits); the server keeps what it means, so
logging out (or removing the admin) revokes it at once. Sessions live in memory: a restart
logs everyone out, which is safe, and no request writes to the disk just to be seen.
The cookie is `HttpOnly`, `SameSite=Strict`, scoped to `/admin`, and `Secure` when the request
came over HTTPS. Every state-changing request carries the session's CSRF token in a form field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from forms_api.admin.accounts import Accounts, Admin

COOKIE = "portal_admin"
COOKIE_PATH = "/admin"
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    admin: Admin
    csrf: str
    created: float
    seen: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    """Session id hash -> session; idle and absolute timeouts are checked on every use."""

    def __init__(self, idle: float = IDLE_SECONDS, absolute: float = ABSOLUTE_SECONDS) -> None:
        self.idle = idle
        self.absolute = absolute
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, admin: Admin) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        now = time.monotonic()
        session = Session(admin, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].seen)
                del self._sessions[oldest]
            self._sessions[_key(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None, accounts: Accounts) -> Session | None:
        """The live session of this cookie, touched; None if unknown, expired or revoked."""
        if not session_id or len(session_id) > 100:
            return None
        key = _key(session_id)
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if (now - session.seen > self.idle or now - session.created > self.absolute
                    or not accounts.active(session.admin)):
                del self._sessions[key]
                return None
            session.seen = now
            return session

    def drop(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(_key(session_id), None)

    def _expire(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items()
                    if now - s.seen > self.idle or now - s.created > self.absolute]:
            del self._sessions[key]


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf.encode(), str(presented).encode())


@dataclass
class FailedLogins:
    """At most `limit` failed logins per client address in `window` seconds; then 429."""

    limit: int = 10
    window: float = 15 * 60
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str) -> int:
        """Seconds until `client` may try again; 0 when it may try now."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.get(client)
            if not times:
                return 0
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) < self.limit:
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def fail(self, client: str) -> None:
        with self._lock:
            if len(self._seen) >= MAX_SESSIONS and client not in self._seen:
                self._seen.pop(next(iter(self._seen)))
            self._seen.setdefault(client, deque()).append(time.monotonic())

    def succeed(self, client: str) -> None:
        with self._lock:
            self._seen.pop(client, None)
