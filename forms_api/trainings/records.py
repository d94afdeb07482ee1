"""Training sessions (table `trainings`) and check-ins (table `attendance`): shapes and queries.

Session: {id, module, title, starts_at, ends_at (ISO 8601, +08:00), location, capacity,
code (4–8 digits, unique among sessions not yet ended), created_at, updated_at?}. The code is
never in a public answer.
Check-in: {id, session_id, name, school, phone, district?, subject?, consent, notice_version,
checked_in_at, submission}.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from forms_api import clock
from forms_api.storage import Database

SESSIONS = "trainings"
ATTENDANCE = "attendance"

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
    return out


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
    return {"id": record["id"], "session_id": record["session_id"], "name": record["name"],
            "checked_in_at": record["checked_in_at"], "receipt": receipt(record, at)}
