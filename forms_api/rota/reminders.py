"""The reminder job: each notice once, through the outbox.

A day before and an hour before a shift, each volunteer on it is reminded; when a shift is
still below its minimum 72 hours ahead, the coordinator (`PORTAL_BUREAU_EMAIL`) is told. A row
in `rota_reminders` per notice enqueued, written in the same transaction as the notice, makes
each one happen exactly once however often the job runs and whether it restarts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from forms_api import clock
from forms_api.rota import notify
from forms_api.rota.records import GAP_NOTICE, REMINDERS, between, is_gap, span
from forms_api.storage import new_id
from forms_api.web.context import Portal

log = logging.getLogger("portal.rota")
DAY = dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)
EVERY_SECONDS = 60


def _once(p: Portal, key: str) -> bool:
    """True the first time `key` is seen (and remembers it, in the caller's transaction)."""
    table = p.db.table(REMINDERS)
    if table.find(key=key):
        return False
    table.insert({"id": new_id(), "key": key, "at": clock.iso(clock.now())})
    return True


def run(p: Portal, now: dt.datetime) -> int:
    """Enqueue every reminder due at `now` and not sent before; how many were enqueued."""
    sent = 0
    with p.db.transaction():
        for shift in between(p.db, now, now + GAP_NOTICE):
            starts = span(shift)[0]
            if shift["status"] != "open" or starts <= now:
                continue
            if is_gap(shift) and _once(p, f"gap:{shift['id']}"):
                notify.to_coordinator(
                    p, "shift.gap", "热线值班缺岗",
                    f"{notify.line_name(p, shift)} {notify.when(shift)} 的值班只有 "
                    f"{len(shift['volunteers'])} 人，少于最少 {shift['min_seats']} 人。")
                sent += 1
            lead = "hour" if starts - now <= HOUR else "day" if starts - now <= DAY else None
            if lead is None:
                continue
            for vid in shift["volunteers"]:
                if _once(p, f"{lead}:{shift['id']}:{vid}"):
                    ahead = "1 小时后" if lead == "hour" else "明天"
                    notify.to_volunteer(p, vid, "shift.reminder", "热线值班提醒",
                                        f"提醒：您{ahead}有 {notify.line_name(p, shift)} 的值班，"
                                        f"{notify.when(shift)}。")
                    sent += 1
    return sent


async def job(p: Portal) -> None:
    """Run the reminders every minute; an error is logged and the loop goes on."""
    while True:
        try:
            await asyncio.to_thread(run, p, clock.now())
        except Exception:
            log.exception("rota reminders failed")
        await asyncio.sleep(EVERY_SECONDS)
