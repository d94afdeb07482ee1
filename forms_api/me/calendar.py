"""The expert's private calendar feed (`/me/calendar.ics?t=<feed token>`): their own visits.

Only confirmed and completed visits of that expert; the school, the topic and the audience,
never a contact's name, phone or e-mail. Times in UTC (no VTIMEZONE needed).
"""

from __future__ import annotations

import datetime as dt

from forms_api import clock
from forms_api.bookings.calendar import visit_span
from forms_api.bookings.forms import AUDIENCES
from forms_api.me.expert import my_visits
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE
from forms_api.web.ics import escape_text, fold

PRODID = "-//xinyu-portal//expert calendar//ZH"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def feed(db: Database, volunteer_id: str) -> bytes:
    stamp = _utc(clock.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:心育驿站 我的进校活动", "X-WR-TIMEZONE:Asia/Shanghai"]
    for b in my_visits(db, volunteer_id):
        start, end = visit_span(b["date"], b.get("time_slot") or "morning")
        topic = EXPERTISE.get(b["topic"], b["topic"])
        audience = AUDIENCES.get(b.get("audience") or "", "")
        summary = f"专家进校：{b['school']}（{topic}）"
        description = f"预约编号 {b['reference']}；对象 {audience} {b.get('audience_size')} 人"
        lines += ["BEGIN:VEVENT", f"UID:me-{b['id']}@xinyu-portal", f"DTSTAMP:{stamp}",
                  f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}",
                  f"SUMMARY:{escape_text(summary)}",
                  f"LOCATION:{escape_text(b['school'])}",
                  f"DESCRIPTION:{escape_text(description)}",
                  "STATUS:CONFIRMED", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
