"""Hotlines (table `hotlines`) and their shifts (table `shifts`): shapes, labels and queries.

Hotline: {id, name, number, hours, training_module, pattern: [{start, end, min_seats,
max_seats, supervisor}], created_at}. A pattern entry whose end is not after its start ends
the next day.
Shift: {id, hotline_id, starts_at, ends_at (ISO 8601, +08:00), min_seats, max_seats,
supervisor, volunteers: [volunteer ids], status (`open` | `cancelled`), key (the pattern slot
it was generated from, or null), no_shows: [ids], served: {volunteer id: {starts_at, ends_at,
reason, by, at}}, created_at, updated_at}.
Swap (table `shift_swaps`): {id, shift_id, from_id, to_id, status, created_at, updated_at}.
No-show (table `rota_no_shows`): {id, volunteer_id, shift_id, at, by, lifted_at}.
Reminder (table `rota_reminders`): {id, key, at}: one row per notice already enqueued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from forms_api import clock
from forms_api.forms.fields import check_choices
from forms_api.storage import Database

HOTLINES = "hotlines"
SHIFTS = "shifts"
SWAPS = "shift_swaps"
NO_SHOWS = "rota_no_shows"
REMINDERS = "rota_reminders"
FEEDS = "rota_feeds"

ShiftStatus = Literal["open", "cancelled"]
STATUSES: dict[str, str] = {"open": "正常", "cancelled": "已取消"}
check_choices(ShiftStatus, STATUSES)

SwapStatus = Literal["offered", "accepted", "approved", "declined", "withdrawn"]
SWAP_STATUSES: dict[str, str] = {"offered": "等待接替", "accepted": "等待审批",
                                 "approved": "已换班", "declined": "未批准",
                                 "withdrawn": "已撤回"}
check_choices(SwapStatus, SWAP_STATUSES)
OPEN_SWAPS = ("offered", "accepted")

#: How far ahead the coordinator's view lists gaps, and the gap notice's lead time.
GAP_DAYS = 14
GAP_NOTICE = dt.timedelta(hours=72)
#: A shift's public fields (the contract's Shift), besides what the console shows.
SHIFT_FIELDS = ("id", "hotline_id", "starts_at", "ends_at", "min_seats", "max_seats",
                "volunteers", "status", "supervisor")


def span(shift: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    return clock.parse_iso(shift["starts_at"]), clock.parse_iso(shift["ends_at"])


def hours_of(starts: dt.datetime, ends: dt.datetime) -> float:
    return round((ends - starts).total_seconds() / 3600, 2)


def is_gap(shift: dict[str, Any]) -> bool:
    """Below its minimum: never hidden from the coordinator."""
    return bool(shift["status"] == "open" and len(shift["volunteers"]) < shift["min_seats"])


def public_shift(shift: dict[str, Any], hotline: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {k: shift.get(k) for k in SHIFT_FIELDS}
    out["filled"] = len(shift["volunteers"])
    out["gap"] = is_gap(shift)
    if hotline is not None:
        out["hotline"] = hotline["name"]
    return out


def hotlines(db: Database) -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in db.table(HOTLINES).all()}


def between(db: Database, start: dt.datetime, end: dt.datetime,
            hotline_id: str | None = None) -> list[dict[str, Any]]:
    """Shifts that overlap [start, end), soonest first, cancelled ones included."""
    table = db.table(SHIFTS)
    found = table.find(hotline_id=hotline_id) if hotline_id else table.all()
    out = [s for s in found
           if clock.parse_iso(s["starts_at"]) < end and clock.parse_iso(s["ends_at"]) > start]
    out.sort(key=lambda s: (s["starts_at"], s["id"]))
    return out


def gaps(db: Database, now: dt.datetime, days: int = GAP_DAYS) -> list[dict[str, Any]]:
    """Open shifts below their minimum that start in the coming `days`."""
    return [s for s in between(db, now, now + dt.timedelta(days=days))
            if is_gap(s) and clock.parse_iso(s["starts_at"]) >= now]


def of_volunteer(db: Database, volunteer_id: str) -> list[dict[str, Any]]:
    """Every open shift the volunteer holds, soonest first."""
    found = [s for s in db.table(SHIFTS).all()
             if s["status"] == "open" and volunteer_id in s["volunteers"]]
    found.sort(key=lambda s: (s["starts_at"], s["id"]))
    return found


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def open_swaps(db: Database, shift_id: str) -> list[dict[str, Any]]:
    return [w for w in db.table(SWAPS).find(shift_id=shift_id) if w["status"] in OPEN_SWAPS]


def blocked(db: Database, volunteer_id: str, limit: int) -> bool:
    """Too many no-shows not yet lifted by the coordinator."""
    live = [n for n in db.table(NO_SHOWS).find(volunteer_id=volunteer_id) if not n["lifted_at"]]
    return len(live) >= limit


def blocked_volunteers(db: Database, limit: int) -> dict[str, int]:
    """Volunteer id → live no-shows, for those at or over the limit."""
    counts: dict[str, int] = {}
    for n in db.table(NO_SHOWS).all():
        if not n["lifted_at"]:
            counts[n["volunteer_id"]] = counts.get(n["volunteer_id"], 0) + 1
    return {v: c for v, c in counts.items() if c >= limit}
