"""Check-in and sign-out codes: a session's fixed code, or a code that changes every period.

A rotating code is TOTP-like (RFC 6238 over RFC 4226): 6 digits from HMAC-SHA1 of the period
counter with a per-session secret (stored with the session, never in a public answer). A code
stays valid for a grace window (two periods and a minute) so a slow phone still succeeds; an
older code of the same session is told apart as expired, so a forwarded link or a photo of the
projector stops working minutes later. The sign-out code uses a key derived from the same
secret, so the two never coincide by construction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any, Literal

from forms_api import clock

DIGITS = 6
GRACE_PERIODS = 2
GRACE_EXTRA = dt.timedelta(seconds=60)
#: How far back an old code is still recognised as this session's (then: expired, not wrong).
LOOKBACK = dt.timedelta(hours=36)
#: A code from slightly after `at` is accepted too: a phone's clock (which dates a queued
#: check-in) may run behind the projector's, and a code not yet shown cannot have leaked.
AHEAD = dt.timedelta(seconds=120)

Purpose = Literal["checkin", "signout"]
Verdict = Literal["ok", "expired", "wrong"]


def new_secret() -> str:
    """A fresh per-session secret (160 bits, as RFC 4226 recommends)."""
    return secrets.token_hex(20)


def rotation(session: dict[str, Any]) -> int:
    """Seconds between codes; 0 for a fixed code."""
    return int(session.get("code_rotation_seconds") or 0)


def grace(period: int) -> dt.timedelta:
    return dt.timedelta(seconds=GRACE_PERIODS * period) + GRACE_EXTRA


def _key(session: dict[str, Any], purpose: Purpose) -> bytes:
    secret = bytes.fromhex(str(session.get("code_secret") or ""))
    if not secret:
        raise ValueError(f"session {session.get('id')} has no code secret")
    if purpose == "checkin":
        return secret
    return hmac.new(secret, b"signout", hashlib.sha256).digest()


def hotp(key: bytes, counter: int) -> str:
    """RFC 4226's dynamic truncation of HMAC-SHA1 to 6 digits."""
    digest = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def _counter(at: dt.datetime, period: int) -> int:
    return int(at.timestamp()) // period


def current(session: dict[str, Any], purpose: Purpose = "checkin",
            at: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """The code to show now and when the next one replaces it (None for a fixed code)."""
    period = rotation(session)
    if period == 0:
        if purpose == "checkin":
            return str(session["code"]), None
        return hotp(_key(session, purpose), 0), None
    at = at or clock.now()
    counter = _counter(at, period)
    changes = dt.datetime.fromtimestamp((counter + 1) * period, clock.TZ)
    return hotp(_key(session, purpose), counter), changes


def judge(session: dict[str, Any], code: str, at: dt.datetime,
          purpose: Purpose = "checkin") -> Verdict:
    """Whether `code` was valid at `at`: current or within grace, expired, or never this one's."""
    period = rotation(session)
    if period == 0:
        expected, _ = current(session, purpose)
        return "ok" if hmac.compare_digest(code.encode(), expected.encode()) else "wrong"
    key = _key(session, purpose)
    newest = _counter(at + AHEAD, period)
    fresh = _counter(at - grace(period), period)
    for n in range(newest, fresh - 1, -1):
        if hmac.compare_digest(hotp(key, n), code):
            return "ok"
    # Older codes of this session are "expired"; search back no further than the window.
    since = max(clock.parse_iso(session["starts_at"]) - dt.timedelta(hours=2), at - LOOKBACK)
    for n in range(fresh - 1, _counter(since, period) - 1, -1):
        if hmac.compare_digest(hotp(key, n), code):
            return "expired"
    return "wrong"
