"""A known city for the figures: six schools, seven check-ins, six bookings, four experts.

The school year 2025–2026 (2025-09-01 – 2026-08-31). What it holds, and why:
- 第六中学 (东城区, 初中) has check-ins typed as 第六中学 and as 市第六中学, both linked to it by
  id: one school, covered once.
- 实验小学 (东城区, 小学) has a check-in only on 2025-08-31, the day before the period: uncovered.
- 育才中学 was merged into 育才初级中学 (西城区, 初中): its check-in and visit count for the kept one.
- 红旗小学 (西城区) is closed: not in the total, not uncovered; its teacher still counts.
- 特教学校 (西城区, 特殊教育) never had a check-in or a visit.
- One check-in names no registered school (unlinked).
"""

from __future__ import annotations

from typing import Any

from forms_api.bookings.records import BOOKINGS
from forms_api.schools.records import SCHOOLS
from forms_api.storage import Database
from forms_api.trainings.records import ATTENDANCE, SESSIONS
from forms_api.volunteers.records import VOLUNTEERS

FROM, TO = "2025-09-01", "2026-08-31"
# As the modules' front matter says (content/training/*.md), so the app computes the same.
MODULE_HOURS = {"policy": 2.0, "confidentiality": 1.5}
T0 = "2025-06-01T09:00:00+08:00"


def _school(id: str, name: str, district: str, code: str, stage: str, **extra: Any
            ) -> dict[str, Any]:
    return {"id": id, "code": None, "name": name, "aliases": [], "district": district,
            "district_code": code, "stage": stage, "active": True, "merged_into": None,
            "created_at": T0, "updated_at": T0, **extra}


SCHOOL_ROWS = [
    _school("S-A", "第六中学", "东城区", "411102", "junior", aliases=["市第六中学"]),
    _school("S-B", "实验小学", "东城区", "411102", "primary"),
    _school("S-C", "育才中学", "西城区", "411103", "junior", active=False, merged_into="S-D",
            updated_at="2025-07-01T10:00:00+08:00"),
    _school("S-D", "育才初级中学", "西城区", "411103", "junior"),
    _school("S-E", "红旗小学", "西城区", "411103", "primary", active=False),
    _school("S-F", "特教学校", "西城区", "411103", "special"),
]

SESSION_ROWS = [
    {"id": "T-1", "module": "policy", "title": "政策与机制", "starts_at": "2025-09-20T09:00:00+08:00",
     "ends_at": "2025-09-20T12:00:00+08:00", "location": "市教育局", "capacity": 300, "code": "1234",
     "created_at": "2025-09-01T08:00:00+08:00"},
    {"id": "T-2", "module": "confidentiality", "title": "保密及其边界", "starts_at": "2025-11-08T09:00:00+08:00",
     "ends_at": "2025-11-08T17:00:00+08:00", "location": "市教育局", "capacity": 300, "code": "5678",
     "created_at": "2025-10-01T08:00:00+08:00"},
]


def _checkin(id: str, session: str, phone: str, school: str, school_id: str | None, at: str
             ) -> dict[str, Any]:
    return {"id": id, "session_id": session, "name": "教师" + id, "school": school,
            "school_id": school_id, "phone": phone, "consent": True, "notice_version": "1",
            "checked_in_at": at}


CHECKIN_ROWS = [
    _checkin("C-1", "T-1", "13800000001", "第六中学", "S-A", "2025-09-20T08:30:00+08:00"),
    _checkin("C-2", "T-2", "13800000002", "市第六中学", "S-A", "2025-11-08T08:40:00+08:00"),
    _checkin("C-3", "T-2", "13800000001", "第六中学", "S-A", "2025-11-08T08:45:00+08:00"),
    _checkin("C-4", "T-1", "13800000003", "育才中学", "S-C", "2025-09-20T08:50:00+08:00"),
    _checkin("C-5", "T-1", "13800000004", "红旗小学", "S-E", "2025-09-20T08:55:00+08:00"),
    _checkin("C-6", "T-1", "13800000005", "实验小学", "S-B", "2025-08-31T09:00:00+08:00"),
    _checkin("C-7", "T-1", "13800000006", "光明私立学校", None, "2025-09-20T09:05:00+08:00"),
]


def _booking(id: str, school_id: str | None, status: str, created: str, date: str | None = None,
             expert: str | None = None) -> dict[str, Any]:
    return {"id": id, "reference": f"BK-{id}", "status": status, "school": "学校",
            "school_id": school_id, "district": "", "stage": "junior", "contact_name": "赵老师",
            "phone": "0391-1234567", "preferred_dates": [], "time_slot": "morning",
            "topic": "crisis", "audience": "teachers", "audience_size": 50, "expert_id": expert,
            "date": date, "created_at": created, "updated_at": created}


BOOKING_ROWS = [
    _booking("B-1", "S-A", "completed", "2025-09-05T10:00:00+08:00", "2025-10-10", "V-X"),
    _booking("B-2", "S-D", "confirmed", "2026-02-01T10:00:00+08:00", "2026-03-03", "V-X"),
    _booking("B-3", "S-B", "requested", "2025-11-01T10:00:00+08:00"),
    _booking("B-4", "S-F", "declined", "2025-12-01T10:00:00+08:00"),
    _booking("B-5", "S-A", "cancelled", "2025-08-01T10:00:00+08:00"),
    _booking("B-6", "S-C", "completed", "2026-03-01T10:00:00+08:00", "2026-04-04", "V-Y"),
]

VOLUNTEER_ROWS = [
    {"id": f"V-{k}", "status": status, "name": name, "phone": phone, "created_at": T0,
     "updated_at": T0}
    for k, status, name, phone in (("X", "approved", "张明", "13700000001"),
                                   ("Y", "approved", "李华", "13700000002"),
                                   ("Z", "approved", "王强", "13700000003"),
                                   ("W", "pending", "赵六", "13700000004"))
]


def seed(db: Database) -> None:
    """Write the known city into `db`."""
    with db.transaction():
        for table, rows in ((SCHOOLS, SCHOOL_ROWS), (SESSIONS, SESSION_ROWS),
                            (ATTENDANCE, CHECKIN_ROWS), (BOOKINGS, BOOKING_ROWS),
                            (VOLUNTEERS, VOLUNTEER_ROWS)):
            for row in rows:
                db.table(table).insert(row)
