"""A teacher's own training record: sessions and 继续教育学时 for a chosen period.

A teacher is addressed by the id of their first check-in (`trainings.hours.Teacher.key`), the
subject of their personal link. The period defaults to the current school year (1 September –
31 August). The printed record carries the bureau's name, a serial number (derived from the
teacher and the period, so a reprint has the same one) and a line for the seal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.storage import Database
from forms_api.trainings.hours import Teacher, teacher


@dataclass(frozen=True)
class Record:
    teacher: Teacher
    start: dt.date
    end: dt.date
    rows: list[tuple[dict[str, Any], float]]
    serial: str

    @property
    def hours(self) -> float:
        return round(sum(h for _, h in self.rows), 1)


def school_year(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    day = today or clock.today()
    year = day.year if day.month >= 9 else day.year - 1
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def period(start: str | None, end: str | None) -> tuple[dt.date, dt.date, str | None]:
    """The chosen period, or the school year with a Chinese problem when it does not parse."""
    first, last = school_year()
    if not start and not end:
        return first, last, None
    try:
        chosen = (dt.date.fromisoformat(start or first.isoformat()),
                  dt.date.fromisoformat(end or last.isoformat()))
    except ValueError:
        return first, last, "日期格式应为 年-月-日，已显示本学年。"
    if chosen[1] < chosen[0] or (chosen[1] - chosen[0]).days > 366 * 6:
        return first, last, "起止日期不对（结束不能早于开始，最长六年），已显示本学年。"
    return chosen[0], chosen[1], None


def record(db: Database, module_hours: dict[str, float], key: str, start: dt.date,
           end: dt.date) -> Record | None:
    found = teacher(db, module_hours, key)
    if found is None:
        return None
    rows = [(s, h) for s, _, h in found.sessions
            if start <= clock.parse_iso(s["starts_at"]).date() <= end]
    digest = hashlib.sha256(f"{key}:{start}:{end}".encode()).hexdigest()[:8].upper()
    return Record(found, start, end, rows, f"XY-JX-{end.year}-{digest}")
