"""继续教育学时: each teacher's training hours across sessions, from the attendance records.

A teacher is one phone number. A session counts the `hours` of its module's front matter
(`content/training/*.md`); a teacher's name and school are those of the latest check-in.
A teacher is addressed by the id of their first check-in, so no phone number is in a URL.
A check-in counts only when its session's rules are met (`problem`): not cancelled, signed out
where sign-out is required, present for `min_attendance` of the session; a staff correction
(with its reason) decides either way. The others are listed as incomplete, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forms_api import clock
from forms_api.storage import Database
from forms_api.trainings.forms import CORRECT_REASONS
from forms_api.trainings.records import ATTENDANCE, SESSIONS


def share(session: dict[str, Any], record: dict[str, Any]) -> float:
    """The part of the session the record shows the teacher present (0–1)."""
    starts, ends = clock.parse_iso(session["starts_at"]), clock.parse_iso(session["ends_at"])
    arrived = max(clock.parse_iso(record["checked_in_at"]), starts)
    left = clock.parse_iso(record["signed_out_at"]) if record.get("signed_out_at") else ends
    span = (ends - starts).total_seconds()
    return max(0.0, (min(left, ends) - arrived).total_seconds()) / span if span > 0 else 0.0


def problem(session: dict[str, Any], record: dict[str, Any]) -> str | None:
    """Why this check-in earns no hours, in Chinese; None when it counts."""
    correction = record.get("correction")
    if correction is not None:
        if correction["counted"]:
            return None
        why = CORRECT_REASONS.get(correction["reason"], correction["reason"])
        note = f"（{correction['note']}）" if correction.get("note") else ""
        return f"工作人员更正为不计学时：{why}{note}"
    if session.get("status") == "cancelled":
        return "培训已取消"
    if session.get("sign_out") and not record.get("signed_out_at"):
        return "未签退"
    needed = float(session.get("min_attendance") or 0)
    if needed > 0:
        present = share(session, record)
        if present + 1e-9 < needed:
            return f"出勤约 {present:.0%}，低于本场要求的 {needed:.0%}"
    return None


@dataclass
class Teacher:
    key: str
    phone: str
    name: str = ""
    school: str = ""
    district: str = ""
    sessions: list[tuple[dict[str, Any], dict[str, Any], float]] = field(default_factory=list)
    #: Check-ins that earn no hours: (session, record, why).
    incomplete: list[tuple[dict[str, Any], dict[str, Any], str]] = field(default_factory=list)

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
        why = problem(session, record)
        if why is None:
            teacher.sessions.append((session, record, module_hours.get(session["module"], 0.0)))
        else:
            teacher.incomplete.append((session, record, why))
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
