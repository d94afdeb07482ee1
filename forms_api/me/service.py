"""The expert's service record: each visit actually served, as a certificate and as CSV.

A visit counts once its expert reported it delivered (the report's `hours` are the hours of
actual service). The certificate carries the fields of 《志愿服务记录与证明出具办法》: the
volunteer's name, the service time, place and content, the hours, the issuing organisation
(the setting `bureau_name`), the date of issue and a serial number, with an area for the seal.
It carries no ID number: the portal never collects one. The serial number is derived from the
booking's reference, so a certificate printed twice has the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.admin.exports import to_csv
from forms_api.bookings.calendar import SLOT_HOURS
from forms_api.bookings.forms import AUDIENCES, TIME_SLOTS
from forms_api.me.expert import my_visits
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE

CSV_HEADER = ["姓名", "服务日期", "开始时间", "结束时间", "服务地点", "服务内容", "服务时长（小时）",
              "证明编号", "出具单位"]


@dataclass(frozen=True)
class Activity:
    booking_id: str
    serial: str
    day: str
    slot: str
    start: str
    end: str
    place: str
    content: str
    hours: float


def serial(booking: dict[str, Any]) -> str:
    year = str(booking.get("date") or "")[:4]
    return f"XY-ZY-{year}-{str(booking['reference']).removeprefix('BK-').replace('-', '')}"


def activities(db: Database, volunteer_id: str) -> list[Activity]:
    """Every visit the expert reported delivered, oldest first."""
    found = []
    for b in my_visits(db, volunteer_id):
        filed = b.get("report") or {}
        if not filed.get("delivered") or not filed.get("hours"):
            continue
        start, end = SLOT_HOURS.get(b.get("time_slot") or "", SLOT_HOURS["morning"])
        audience = AUDIENCES.get(b.get("audience") or "", "")
        content = (f"心理健康教育专家进校园：{EXPERTISE.get(b['topic'], b['topic'])}"
                   f"（面向{audience} {filed.get('audience_size') or b.get('audience_size')} 人）")
        found.append(Activity(b["id"], serial(b), b["date"],
                              TIME_SLOTS.get(b.get("time_slot") or "", ""),
                              start.strftime("%H:%M"), end.strftime("%H:%M"), b["school"],
                              content, float(filed["hours"])))
    return found


def total_hours(found: list[Activity]) -> float:
    return round(sum(a.hours for a in found), 1)


def service_csv(name: str, found: list[Activity], bureau: str) -> bytes:
    """The rows to re-enter into 志愿汇 or the national system (UTF-8 BOM, formulas neutralised)."""
    rows: list[list[str | int | float | None]] = [
        [name, a.day, a.start, a.end, a.place, a.content, a.hours, a.serial, bureau]
        for a in found]
    return to_csv(CSV_HEADER, rows)


def issued_on() -> str:
    day = clock.today()
    return f"{day.year}年{day.month}月{day.day}日"
