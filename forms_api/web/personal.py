"""Personal links: a person's own page without a password (table `personal_links`).

A link is `…/me/?t=<token>`: 32 random bytes (256 bits) in URL-safe base64; only the token's
SHA-256 is stored. Opening it sets a signed session cookie (`portal_me`: kind, id, issue time,
HMAC with the portal's secret) and redirects to the same page without the token, so the token
leaves the address bar, the history and any `Referer`. Minting a new link for a person revokes
the old ones; staff can revoke without minting. The access log never records a query string.

Link record: {id, kind (`volunteer` | `teacher`), subject_id, token_hash, created_at,
expires_at, revoked_at}.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from forms_api import clock
from forms_api.storage import Database, new_id

LINKS = "personal_links"
COOKIE = "portal_me"
CHECKIN_COOKIE = "portal_me_checkin"
COOKIES = (COOKIE, CHECKIN_COOKIE)
COOKIE_PATH = "/me/"
LINK_DAYS = 180
SESSION_SECONDS = 12 * 3600

Kind = Literal["volunteer", "teacher"]


@dataclass(frozen=True)
class Person:
    """Whose page this session may show."""

    kind: Kind
    subject_id: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def mint(db: Database, kind: Kind, subject_id: str) -> str:
    """A new link token for the person; earlier ones stop working (call in a transaction)."""
    table = db.table(LINKS)
    now = clock.now()
    for old in table.find(kind=kind, subject_id=subject_id):
        if old.get("revoked_at") is None:
            table.update_id(old["id"], {"revoked_at": clock.iso(now)})
    token = secrets.token_urlsafe(32)
    table.insert({"id": new_id(), "kind": kind, "subject_id": subject_id,
                  "token_hash": token_hash(token), "created_at": clock.iso(now),
                  "expires_at": clock.iso(now + dt.timedelta(days=LINK_DAYS)),
                  "revoked_at": None})
    return token


def ensure(db: Database, kind: Kind, subject_id: str) -> None:
    """Keep a live link for the person without revoking theirs (call in a transaction).

    A check-in opens the teacher's own page by setting the session cookie directly; a session
    counts only while a live link exists, so one is made when none is (its token is not kept:
    the teacher's lookup gives her one to open the page again later).
    """
    if not live(db, Person(kind, subject_id)):
        mint(db, kind, subject_id)


def live(db: Database, person: Person) -> bool:
    """Whether the person still has a link that works (revoking ends their sessions too)."""
    now = clock.now()
    return any(link.get("revoked_at") is None and clock.parse_iso(link["expires_at"]) > now
               for link in db.table(LINKS).find(kind=person.kind, subject_id=person.subject_id))


def revoke(db: Database, kind: Kind, subject_id: str) -> int:
    """Stop every link of the person; how many were live."""
    count = 0
    for old in db.table(LINKS).find(kind=kind, subject_id=subject_id):
        if old.get("revoked_at") is None:
            db.table(LINKS).update_id(old["id"], {"revoked_at": clock.iso(clock.now())})
            count += 1
    return count


def redeem(db: Database, token: str) -> Person | None:
    """The person a link token opens, or None (unknown, revoked, expired)."""
    if not 20 <= len(token) <= 100:
        return None
    found = db.table(LINKS).find(token_hash=token_hash(token))
    if not found:
        return None
    link = found[0]
    if link.get("revoked_at") or clock.parse_iso(link["expires_at"]) < clock.now():
        return None
    return Person(link["kind"], link["subject_id"])


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def session_value(secret: bytes, person: Person, at: float | None = None) -> str:
    payload = f"{person.kind}.{person.subject_id}.{int(at if at is not None else time.time())}"
    return f"{payload}.{_sign(secret, payload)}"


def _person(secret: bytes, value: str) -> Person | None:
    parts = value.split(".")
    if len(parts) != 4 or parts[0] not in ("volunteer", "teacher") or not parts[2].isdigit():
        return None
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _sign(secret, payload)):
        return None
    if time.time() - int(parts[2]) > SESSION_SECONDS:
        return None
    kind: Kind = "volunteer" if parts[0] == "volunteer" else "teacher"
    return Person(kind, parts[1])


def current(request: Request, secret: bytes) -> Person | None:
    """The person of this request's session cookie, if it is genuine and fresh.

    A link's session (`portal_me`) comes first; a check-in's (`portal_me_checkin`, a teacher)
    next, so checking in at a training never ends a volunteer's own-page session.
    """
    for name in COOKIES:
        person = _person(secret, request.cookies.get(name, ""))
        if person is not None:
            return person
    return None


def start_session(response: Response, secret: bytes, person: Person, secure: bool,
                  name: str = COOKIE) -> None:
    response.set_cookie(name, session_value(secret, person), path=COOKIE_PATH, httponly=True,
                        samesite="lax", secure=secure, max_age=SESSION_SECONDS)


def end_sessions(response: Response) -> None:
    for name in COOKIES:
        response.delete_cookie(name, path=COOKIE_PATH)
