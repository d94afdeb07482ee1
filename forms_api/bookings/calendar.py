"""An iCalendar feed (RFC 5545) of confirmed visits and training sessions.

Visits take the slot's usual hours (上午 09:00–11:30, 下午 14:00–16:30, Asia/Shanghai); times
are written in UTC so that no VTIMEZONE is needed. The feed names schools, experts and places,
never a phone number or an e-mail address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from forms_api import clock
from forms_api.bookings.records import BOOKINGS
from forms_api.modules import Module
from forms_api.storage import Database
from forms_api.trainings.records import SESSIONS
from forms_api.volunteers.forms import EXPERTISE
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.ics import escape_text, fold
from forms_api.web.ics import utc as _utc

SLOT_HOURS: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(9, 0), dt.time(11, 30)),
    "afternoon": (dt.time(14, 0), dt.time(16, 30)),
}
PRODID = "-//xinyu-portal//admin calendar//ZH"


def visit_span(day: str, slot: str) -> tuple[dt.datetime, dt.datetime]:
    date = dt.date.fromisoformat(day)
    start, end = SLOT_HOURS.get(slot, SLOT_HOURS["morning"])
    return (dt.datetime.combine(date, start, clock.TZ), dt.datetime.combine(date, end, clock.TZ))


def _event(uid: str, start: dt.datetime, end: dt.datetime, summary: str, location: str,
           description: str, stamp: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}@xinyu-portal", f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}",
            f"SUMMARY:{escape_text(summary)}", f"LOCATION:{escape_text(location)}",
            f"DESCRIPTION:{escape_text(description)}", "END:VEVENT"]


def events(db: Database, modules: Mapping[str, Module]) -> list[dict[str, Any]]:
    """Confirmed visits and every session, as plain dicts (also used by the console)."""
    experts = {v["id"]: v for v in db.table(VOLUNTEERS).all()}
    found: list[dict[str, Any]] = []
    for b in db.table(BOOKINGS).find(status="confirmed"):
        if not b.get("date"):
            continue
        start, end = visit_span(b["date"], b.get("time_slot") or "morning")
        expert = experts.get(b.get("expert_id") or "")
        found.append({"uid": b["id"], "kind": "visit", "start": start, "end": end,
                      "summary": f"专家进校：{b['school']}（{EXPERTISE.get(b['topic'], b['topic'])}）",
                      "location": b["school"], "expert": expert["name"] if expert else "",
                      "description": f"预约编号 {b['reference']}；专家 "
                                     f"{expert['name'] if expert else '未指定'}；"
                                     f"对象 {b.get('audience_size')} 人",
                      "id": b["id"]})
    for s in db.table(SESSIONS).all():
        module = modules.get(s["module"])
        found.append({"uid": s["id"], "kind": "training", "start": clock.parse_iso(s["starts_at"]),
                      "end": clock.parse_iso(s["ends_at"]), "summary": f"培训：{s['title']}",
                      "location": s["location"], "expert": "",
                      "description": f"课程 {module.title if module else s['module']}；"
                                     f"名额 {s['capacity']}", "id": s["id"]})
    found.sort(key=lambda e: (e["start"], e["uid"]))
    return found


def ics(db: Database, modules: Mapping[str, Module]) -> bytes:
    stamp = _utc(clock.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:心育驿站 进校活动与培训", "X-WR-TIMEZONE:Asia/Shanghai"]
    for e in events(db, modules):
        lines += _event(e["uid"], e["start"], e["end"], e["summary"], e["location"],
                        e["description"], stamp)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
