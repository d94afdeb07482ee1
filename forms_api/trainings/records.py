"""Training sessions (table `trainings`) and check-ins (table `attendance`): shapes and queries.

Session: {id, module, title, starts_at, ends_at (ISO 8601, +08:00), location, capacity,
code (4–8 digits, unique among sessions not yet ended), code_secret (hex, for rotating and
sign-out codes), code_rotation_seconds (0: the fixed code), registration ({capacity, deadline,
required} | None), sign_out (bool), min_attendance (0–1), status (`scheduled` | `cancelled`),
created_at, updated_at?}. The code and its secret are never in a public answer.
Check-in: {id, session_id, name, school, phone, district?, subject?, consent, notice_version,
checked_in_at, submission, nonce?, late?, received_at?, source (`phone` | `paper`),
signed_out_at?, correction? ({counted, reason, by, at})}.
Registration (table `registrations`): {id, session_id, name, school, phone, consent,
notice_version, status (`registered` | `waitlisted` | `cancelled`), token_hash, created_at,
promoted_at?, cancelled_at?, submission}.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from forms_api import clock
from forms_api.storage import Database

SESSIONS = "trainings"
ATTENDANCE = "attendance"
REGISTRATIONS = "registrations"

#: Labels, defined once, for the console, the exports and the pages.
SESSION_STATUSES = {"scheduled": "正常", "cancelled": "已取消"}
REGISTRATION_STATUSES = {"registered": "已报名", "waitlisted": "候补", "cancelled": "已取消"}
SOURCES = {"phone": "手机签到", "paper": "纸质补录"}

OPENS_BEFORE = dt.timedelta(minutes=60)
RECENT = dt.timedelta(days=14)
PUBLIC_FIELDS = ("id", "module", "title", "starts_at", "ends_at", "location", "capacity")


def checked_in(db: Database, session_id: str) -> int:
    return db.table(ATTENDANCE).count(session_id=session_id)


def attendance_of(db: Database, session_id: str) -> list[dict[str, Any]]:
    """A session's check-ins, first come first."""
    found = db.table(ATTENDANCE).find(session_id=session_id)
    return sorted(found, key=lambda r: (r["checked_in_at"], r["id"]))


def public_session(db: Database, session: dict[str, Any]) -> dict[str, Any]:
    out = {k: session.get(k) for k in PUBLIC_FIELDS}
    out["checked_in"] = checked_in(db, session["id"])
    # The second round's fields, only where a session uses them (older answers unchanged).
    if session.get("status") == "cancelled":
        out["status"] = "cancelled"
    rule = session.get("registration")
    if rule:
        out["registration"] = {**rule, "registered": registered(db, session["id"])}
    for key in ("code_rotation_seconds", "sign_out", "min_attendance"):
        if session.get(key):
            out[key] = session[key]
    return out


def admin_session(db: Database, session: dict[str, Any]) -> dict[str, Any]:
    """What staff see through the API: the public fields, the code and every rule."""
    return {**public_session(db, session), "code": session["code"],
            "status": session.get("status", "scheduled"),
            "code_rotation_seconds": int(session.get("code_rotation_seconds") or 0),
            "sign_out": bool(session.get("sign_out")),
            "min_attendance": float(session.get("min_attendance") or 0)}


def cancelled(session: dict[str, Any]) -> bool:
    return session.get("status") == "cancelled"


def registered(db: Database, session_id: str) -> int:
    return db.table(REGISTRATIONS).count(session_id=session_id, status="registered")


def registrations_of(db: Database, session_id: str) -> list[dict[str, Any]]:
    """A session's registrations, first come first (waitlist order)."""
    found = db.table(REGISTRATIONS).find(session_id=session_id)
    return sorted(found, key=lambda r: (r["created_at"], r["id"]))


def window(session: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """When check-in is open: from 60 minutes before the start until the end."""
    return _window(session["starts_at"], session["ends_at"])


@functools.lru_cache(maxsize=1024)
def _window(starts_at: str, ends_at: str) -> tuple[dt.datetime, dt.datetime]:
    # Parsed once per session's times, not on every check-in (datetimes are immutable).
    return clock.parse_iso(starts_at) - OPENS_BEFORE, clock.parse_iso(ends_at)


def listed_sessions(db: Database) -> list[dict[str, Any]]:
    """Upcoming sessions and those that ended in the last two weeks, soonest first."""
    since = clock.now() - RECENT
    found = [s for s in db.table(SESSIONS).all() if clock.parse_iso(s["ends_at"]) >= since]
    found.sort(key=lambda s: (clock.parse_iso(s["starts_at"]), s["id"]))
    return [public_session(db, s) for s in found]


def receipt(record: dict[str, Any], at: dt.datetime | None = None) -> str:
    """The line a teacher shows at the door; `at` is `checked_in_at` when already parsed."""
    return f"已签到 {clock.show_time(at or clock.parse_iso(record['checked_in_at']))}"


def public_attendance(record: dict[str, Any], at: dt.datetime | None = None) -> dict[str, Any]:
    out = {"id": record["id"], "session_id": record["session_id"], "name": record["name"],
           "checked_in_at": record["checked_in_at"], "receipt": receipt(record, at)}
    if record.get("late"):
        out["late"] = True
    if record.get("signed_out_at"):
        out["signed_out_at"] = record["signed_out_at"]
    return out
