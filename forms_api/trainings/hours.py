"""继续教育学时: each teacher's training hours across sessions, from the attendance records.

A teacher is one phone number. A session counts the `hours` of its module's front matter
(`content/training/*.md`); a teacher's name and school are those of the latest check-in.
A teacher is addressed by the id of their first check-in, so no phone number is in a URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forms_api.storage import Database
from forms_api.trainings.records import ATTENDANCE, SESSIONS


@dataclass
class Teacher:
    key: str
    phone: str
    name: str = ""
    school: str = ""
    district: str = ""
    sessions: list[tuple[dict[str, Any], dict[str, Any], float]] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return round(sum(h for _, _, h in self.sessions), 1)


def teachers(db: Database, module_hours: dict[str, float]) -> list[Teacher]:
    """Every teacher who checked in, most hours first."""
    sessions = {s["id"]: s for s in db.table(SESSIONS).all()}
    records = sorted(db.table(ATTENDANCE).all(), key=lambda r: (r["checked_in_at"], r["id"]))
    found: dict[str, Teacher] = {}
    for record in records:
        session = sessions.get(record["session_id"])
        if session is None:
            continue
        teacher = found.setdefault(record["phone"], Teacher(record["id"], record["phone"]))
        teacher.name, teacher.school = record["name"], record["school"]
        teacher.district = record.get("district") or teacher.district
        teacher.sessions.append((session, record, module_hours.get(session["module"], 0.0)))
    return sorted(found.values(), key=lambda t: (-t.hours, t.name, t.key))


def teacher(db: Database, module_hours: dict[str, float], key: str) -> Teacher | None:
    """The teacher whose first check-in has id `key`."""
    first = db.table(ATTENDANCE).get_id(key)
    if first is None:
        return None
    for found in teachers(db, module_hours):
        if found.phone == first["phone"]:
            return found if found.key == key else None
    return None
