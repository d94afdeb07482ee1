"""Reminders three days before a confirmed visit, to the school and the expert, once each.

An hourly job enqueues each due reminder in the same transaction that stamps the booking's
`reminded_at`, so a restart neither repeats nor loses one. Confirming a new date clears the
stamp (`forms_api.bookings.handling`), so a rescheduled visit is reminded of its new date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from forms_api import clock
from forms_api.bookings import notices
from forms_api.bookings.records import BOOKINGS
from forms_api.storage import Database
from forms_api.web.context import Portal

log = logging.getLogger(__name__)

DAYS_BEFORE = 3
EVERY_SECONDS = 3600.0


def remind_due(db: Database, today: dt.date | None = None) -> int:
    """Enqueue the reminders of confirmed visits within the next three days; how many visits."""
    today = today or clock.today()
    last = (today + dt.timedelta(days=DAYS_BEFORE)).isoformat()
    count = 0
    with db.transaction():
        for booking in db.table(BOOKINGS).find(status="confirmed"):
            day = booking.get("date") or ""
            if booking.get("reminded_at") or not today.isoformat() < day <= last:
                continue
            notices.reminder(db, booking)
            db.table(BOOKINGS).update_id(booking["id"], {"reminded_at": clock.iso(clock.now())})
            count += 1
    return count


async def remind(p: Portal) -> None:
    """The job: check once at start, then every hour."""
    while True:
        try:
            await asyncio.to_thread(remind_due, p.db)
        except Exception:
            log.exception("the visit reminders failed; trying again in an hour")
        await asyncio.sleep(EVERY_SECONDS)
